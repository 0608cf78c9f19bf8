#!/bin/sh
# Can Debian's libjpeg-turbo decode the JPEG syntaxes PET/CT exports use? Feeds the first frame of
# pydicom's JPEG test files (lossless process 14 SV1, 12-bit extended) to the system libjpeg and prints
# what it says. Needs libjpeg62-turbo-dev, gcc and the test venv (make test-venv).
#     sh scripts/libjpeg-lossless-check.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-query -W -f='libjpeg62-turbo-dev ${Version}\n' libjpeg62-turbo-dev
"$root/.build/venv/bin/python" - "$work" <<'PY'
import glob, os, sys
import pydicom
from pydicom.encaps import generate_frames
base = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
for name in ["SC_rgb_jpeg_gdcm.dcm", "JPGExtended.dcm"]:
    ds = pydicom.dcmread(os.path.join(base, name))
    frame = next(generate_frames(ds.PixelData, number_of_frames=int(getattr(ds, "NumberOfFrames", 1) or 1)))
    with open(os.path.join(sys.argv[1], name + ".jpg"), "wb") as out:
        out.write(frame)
    print(f"{name}: {ds.file_meta.TransferSyntaxUID} {ds.file_meta.TransferSyntaxUID.name}, BitsStored {ds.BitsStored}")
PY
cat > "$work/check.c" <<'C'
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
struct err { struct jpeg_error_mgr pub; jmp_buf jump; };
static void on_error(j_common_ptr c) {
    char message[JMSG_LENGTH_MAX];
    c->err->format_message(c, message);
    printf("  libjpeg: %s\n", message);
    longjmp(((struct err *)c->err)->jump, 1);
}
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) return 1;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        rewind(f);
        unsigned char *bytes = malloc(n);
        if (!bytes || fread(bytes, 1, n, f) != (size_t)n) return 1;
        fclose(f);
        struct jpeg_decompress_struct d;
        struct err e;
        d.err = jpeg_std_error(&e.pub);
        e.pub.error_exit = on_error;
        printf("%s\n", argv[i]);
        if (setjmp(e.jump)) { jpeg_destroy_decompress(&d); free(bytes); continue; }
        jpeg_create_decompress(&d);
        jpeg_mem_src(&d, bytes, n);
        jpeg_read_header(&d, TRUE);
        jpeg_start_decompress(&d);
        printf("  decodes: %ux%u, %d components, precision %d\n", d.output_width, d.output_height, d.output_components, d.data_precision);
        jpeg_abort_decompress(&d);
        jpeg_destroy_decompress(&d);
        free(bytes);
    }
    return 0;
}
C
gcc "$work/check.c" -o "$work/check" -ljpeg
cd "$work" && ./check *.jpg
