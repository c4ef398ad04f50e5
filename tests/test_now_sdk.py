"""ServiceNow's own tool reads our update set: `now-sdk transform --from` turns it into Fluent sources,
`now-sdk build` accepts them, and every script field comes back byte-identical.

Needs node's npx and the npm registry (@servicenow/sdk 4.9.0); skipped with the reason where the SDK
cannot be installed. The machine CI runs on has both.
"""

import json
import os
import shutil
import subprocess

import pytest
from lxml import etree

from generator import config, plan
from generator.pipeline import assemble
from generator.render import render
from tests.conftest import EPOCH, EXAMPLE, update_set_file

SDK = "4.9.0"
GLIDE = "27.0.5"


def npx_or_skip():
    npx = shutil.which("npx")
    if npx is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the now-sdk round trip: node's npx is not on this machine")
        pytest.skip("npx is not installed (node.js); CI runs this test")
    return npx


@pytest.fixture(scope="module")
def sdk_project(tmp_path_factory):
    npx = npx_or_skip()
    app = tmp_path_factory.mktemp("sdk-app")
    (app / "now.config.json").write_text(json.dumps({"scope": "global", "scopeId": "global",
                                                     "name": "postclone round trip"}))
    (app / "package.json").write_text(json.dumps({
        "name": "postclone-roundtrip", "version": "0.0.1", "license": "UNLICENSED",
        "imports": {"#now:*": "./@types/servicenow/fluent/*/index.js"},
        "devDependencies": {"@servicenow/sdk": SDK, "@servicenow/glide": GLIDE}}))
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=app, capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        pytest.skip(f"npm could not install @servicenow/sdk {SDK}: {r.stderr.strip()[-300:]}")
    (app / "src" / "fluent").mkdir(parents=True)
    return npx, app


def test_now_sdk_transforms_and_builds_our_update_set_and_keeps_every_script(sdk_project, tmp_path):
    npx, app = sdk_project
    build = assemble(config.load(EXAMPLE), epoch=EPOCH)
    name = update_set_file(build.files)
    (tmp_path / name).write_text(build.files[name], encoding="utf-8")
    r = subprocess.run([npx, "now-sdk", "transform", "--from", str(tmp_path / name)], cwd=app,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and "Transform completed successfully" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run([npx, "now-sdk", "build"], cwd=app, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and "Build completed successfully" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]

    built = {}
    for path in (app / "dist" / "app" / "update").glob("*.xml"):
        root = etree.parse(str(path)).getroot()
        record = root[0]
        built[(root.get("table"), record.findtext("sys_id"))] = record
    records = {(r["table"], r["key"]): r["sys_id"] for r in build.manifest["records"]}
    assert {(t, i) for (t, _), i in records.items()} <= set(built)
    scripts = [(s.table, s.key, s.field, s.text) for s in render(plan.make(config.load(EXAMPLE)))]
    for table, key, field, text in scripts:
        assert built[(table, records[(table, key)])].findtext(field) == text, (table, key, field)
    assert len(scripts) == 4 + 2 * len(config.load(EXAMPLE).jobs)
