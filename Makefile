# radtriage: the two commands a new user needs on a fresh Debian machine.
#   make demo   install system packages, build in release mode, run on SampleData/
#   make test   install system packages, run the whole test suite
SHELL := /bin/bash
SYSTEM_PACKAGES := libpng-dev libdeflate-dev libopenblas-dev libsqlite3-dev pkg-config zlib1g-dev python3-venv dicom3tools
# Test-only Python packages, in a virtual environment under .build/ (gitignored): pydicom is the
# independent DICOM reader the DICOM tests compare with; numpy and Pillow run the evaluation's oracle check.
TEST_VENV := .build/venv
TEST_PYTHON_PACKAGES := pydicom==3.0.2 numpy pillow
DEMO_OUT ?= out/demo
# Release builds target AVX2 + FMA (every x86-64 CPU since 2013), which the engine's loops need to
# vectorise well, in Swift and in C (the PNG unfilter, and the bench's plain C pipeline, which is
# compared fairly only when built alike); set RELEASE_CPU= (empty) to build for any x86-64.
# The Swift runtime and Foundation are linked in (--static-swift-stdlib): the binary runs on a machine
# without Swift, and a cron run starts in 17 instead of 26 ms (fewer libraries to relocate).
RELEASE_CPU ?= haswell
RELEASE_FLAGS := --static-swift-stdlib $(if $(RELEASE_CPU),-Xswiftc -target-cpu -Xswiftc $(RELEASE_CPU) -Xcc -march=$(RELEASE_CPU),)

.PHONY: demo test deps test-venv build release clean

# Installs the Debian packages that are missing (as root, or through sudo when there is one).
deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  sudo_cmd=""; [ "$$(id -u)" -ne 0 ] && sudo_cmd=sudo; \
	  $$sudo_cmd apt-get update -qq && $$sudo_cmd apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build

release: deps
	swift build -c release $(RELEASE_FLAGS)

demo: release
	.build/release/radtriage inspect SampleData; status=$$?; \
	echo "inspect exit code: $$status (0 usable, 1 some studies unusable)"; \
	[ $$status -le 1 ]
	.build/release/radtriage run --studies SampleData --out $(DEMO_OUT) --config Docs/radtriage.example.yaml; status=$$?; \
	echo "run exit code: $$status (0 all scored, 1 finished with some studies failed); worklists in $(DEMO_OUT)/"; \
	[ $$status -le 1 ]

test-venv: deps
	@$(TEST_VENV)/bin/python -c "import numpy, pydicom, PIL; assert pydicom.__version__ == '3.0.2'" 2>/dev/null || \
	  { /usr/bin/python3 -m venv $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q $(TEST_PYTHON_PACKAGES); }

# The end-to-end tests run the built executable, so build it before testing. The sharded run is then
# tested on a real one-node Slurm cluster on loopback (installed from Debian's packages by the script).
# Then every fuzz harness replays its seeds and past crashes and fuzzes for FUZZ_SECONDS each
# (scripts/fuzz.sh, Fuzz/README.md).
FUZZ_SECONDS ?= 5
test: deps test-venv
	swift build
	swift test
	Tests/Cluster/slurm-array-test.sh .build/debug/radtriage
	scripts/fuzz.sh ci $(FUZZ_SECONDS)

clean:
	rm -rf .build out
