#!/usr/bin/env python3
"""Generate the shard results of a large sharded run, for measuring `radtriage merge`.

    scripts/generate-shard-results.py TEMPLATE.jsonl OUT_DIR --studies 100000 --shards 16 [--seed 1]

TEMPLATE is a real shard result (written by `radtriage run --shard K/N`); its study lines, scored and
failed, with their evidence and MIP thumbnails, are repeated under new study ids, folders,
probabilities and arrival times, and the studies are assigned to shards by SHA-256 of their identity,
as radtriage assigns them. Each shard goes into OUT_DIR/<K>/shard-result.jsonl with its header, its
inventory digest and its sealed end line, so the merge accepts them.
"""
import argparse
import hashlib
import json
import os
import random


def dumps(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def identity(study_id, folder):
    return f"png:{len(study_id.encode())}:{study_id}:{folder}"


def shard_of(identity_text, count):
    return int(hashlib.sha256(identity_text.encode()).hexdigest(), 16) % count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template")
    parser.add_argument("out")
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    with open(arguments.template, encoding="utf-8") as file:
        lines = file.read().splitlines()
    header = json.loads(lines[0])
    templates = [json.loads(line) for line in lines[1:-1]]
    if not templates:
        raise SystemExit(f"{arguments.template}: no study lines to repeat")

    random_source = random.Random(arguments.seed)
    shards = [[] for _ in range(arguments.shards)]
    identities = []
    for number in range(arguments.studies):
        study = json.loads(dumps(templates[number % len(templates)]))
        study_id = f"G{number:07d}"
        folder = f"/archive/studies/{study_id}"
        study["folder"] = folder
        study["identity"] = identity(study_id, study_id)
        (kind, payload), = study["outcome"].items()
        result = payload["_0"]
        result["path"] = folder
        result["studyId"] = study_id
        metadata = result.get("metadata")
        if metadata:
            metadata["studyId"] = study_id
            if "received" in metadata:
                metadata["received"] = metadata["received"] - random_source.uniform(0, 200 * 3600)
        if kind == "scored":
            result["probability"] = random_source.random()
        identities.append(study["identity"])
        shards[shard_of(study["identity"], arguments.shards)].append(study)

    inventory = hashlib.sha256("".join(f"{text}\n" for text in sorted(identities)).encode()).hexdigest()
    for index, studies in enumerate(shards):
        shard_header = dict(header, shardIndex=index, shardCount=arguments.shards, studies=len(studies),
                            studiesFound=arguments.studies, inventorySHA256=inventory)
        body = "".join(dumps(item) + "\n" for item in [shard_header] + studies).encode()
        end = dumps({"end": {"sha256": hashlib.sha256(body).hexdigest(), "studies": len(studies)}}) + "\n"
        folder = os.path.join(arguments.out, str(index))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "shard-result.jsonl"), "wb") as file:
            file.write(body + end.encode())
    print(f"{arguments.studies} studies in {arguments.shards} shards under {arguments.out}")


if __name__ == "__main__":
    main()
