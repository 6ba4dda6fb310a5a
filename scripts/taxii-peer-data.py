#!/usr/bin/env python3
"""Builds a medallion memory-backend data file from the corpus STIX objects.

Every STIX object under the corpus directory (bundles and single-object files, the ATT&CK file
store included) goes into one readable collection, each distinct (id, version) once. Objects are
"added" one minute apart in the order of their version time, so paging and added_after are
exercised and later versions of an object are always added after earlier ones. A second
collection that nobody may read tests 403 answers.

Usage: taxii-peer-data.py --corpus DIR --base-url http://127.0.0.1:PORT --out FILE
"""
import argparse
import datetime
import json
import pathlib

API_ROOT = "riposte"
CORPUS_COLLECTION = "6a6c1f5e-8f59-4d35-9bd4-3c1d2b6f0c11"
SEALED_COLLECTION = "0b7e9d1a-5c7b-4f2e-8a41-2d9f3c6e7a55"
MEDIA_TYPE = "application/stix+json;version=2.1"


def stix_objects(corpus):
    for path in sorted(pathlib.Path(corpus).rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        items = document.get("objects", []) if document.get("type") == "bundle" else [document]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str) and "--" in item["id"]:
                yield item


def parse_time(text):
    for pattern in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            pass
    raise ValueError("not a STIX timestamp: " + text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    distinct = {}
    for item in stix_objects(args.corpus):
        distinct.setdefault((item["id"], item.get("modified", item.get("created"))), item)
    # Unversioned objects (SCOs) first, then by version time.
    ordered = sorted(distinct.items(), key=lambda entry: (
        entry[0][1] is not None, parse_time(entry[0][1]) if entry[0][1] else datetime.datetime.min, entry[0][0]))

    start = datetime.datetime(2024, 1, 1)
    objects, manifest = [], []
    for index, ((object_id, version), item) in enumerate(ordered):
        added = (start + datetime.timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        item = dict(item)
        if version is None:
            item["_date_added"] = added  # medallion's version of an unversioned object
            version = added
        objects.append(item)
        manifest.append({"id": object_id, "date_added": added, "version": version, "media_type": MEDIA_TYPE})

    base = args.base_url.rstrip("/")
    root = base + "/" + API_ROOT + "/"
    data = {
        "/discovery": {
            "title": "Riposte test TAXII peer",
            "description": "medallion serving the corpus STIX objects",
            "default": root,
            "api_roots": [root],
        },
        API_ROOT: {
            "information": {
                "title": "Riposte corpus",
                "description": "STIX 2.1 objects from the shared corpus",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10485760,
            },
            "status": [],
            "collections": [
                {
                    "id": CORPUS_COLLECTION, "title": "Corpus STIX objects", "description": "Every corpus object",
                    "can_read": True, "can_write": False, "media_types": [MEDIA_TYPE],
                    "objects": objects, "manifest": manifest,
                },
                {
                    "id": SEALED_COLLECTION, "title": "Sealed", "can_read": False, "can_write": False,
                    "media_types": [MEDIA_TYPE], "objects": [], "manifest": [],
                },
            ],
        },
    }
    pathlib.Path(args.out).write_text(json.dumps(data, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
