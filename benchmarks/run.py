"""postclone benchmark: whole-process timings and peak memory, as ratios, from one run.

    python benchmarks/run.py [--quick] [--no-sdk] [--out build/benchmark.json]

Every measurement is a separate process (start-up and imports are part of the cost), repeated, and
reported as the median with the peak RSS of the slowest-memory run. Ratios are to `python -c pass`
measured in the same run. Scale series use generated configs and snapshots in a temporary folder.
When `npx` is available, the same run also times `now-sdk build` (npm @servicenow/sdk 4.9.0) of an
app holding the same records, and prints our ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "acme" / "postclone.toml"
FIXTURE = ROOT / "examples" / "acme" / "instance"
SDK_VERSION = "4.9.0"

WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "e = time.perf_counter() - t\n"
    "sys.stdout.write('%r %d %d\\n' % (e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode))\n"
    "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:])\n"
)


def run_once(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one whole process."""
    p = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, cwd=cwd)
    seconds, rss, code = p.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {code}: {p.stderr}")
    return float(seconds), int(rss)


def measure(name: str, cmd: list[str], runs: int, env=None, cwd=None, before=None) -> dict:
    times, peaks = [], []
    for i in range(runs):
        if before:
            before(i)
        t, rss = run_once(cmd, env, cwd)
        times.append(t)
        peaks.append(rss)
    return {"name": name, "runs": runs, "median_s": statistics.median(times), "min_s": min(times),
            "peak_rss_mib": max(peaks) / 1024}


def postclone(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args]


def make_config(folder: Path, jobs: int, envs: int) -> Path:
    """A config with `jobs` guarded jobs and `envs` environments (each job a small realistic script)."""
    (folder / "jobs").mkdir(parents=True, exist_ok=True)
    text = '[update_set]\nname = "Scale"\nversion = "1.0.0"\n[instances]\nproduction = ["prod"]\n'
    for e in range(envs):
        purpose = ("development", "test", "training")[e % 3]
        text += (f'[environments.e{e}]\ninstances = ["sub{e}"]\npurpose = "{purpose}"\n'
                 f'header = "ENV {e}"\n[environments.e{e}.users]\nkeep_groups = ["Group {e}"]\n'
                 f'[environments.e{e}.scheduled_jobs]\nkeep = ["Job {e}"]\n')
    for j in range(jobs):
        (folder / "jobs" / f"j{j}.js").write_text(
            f"var gr = new GlideRecord('incident');\ngr.addQuery('number', 'INC{j:07d}');\ngr.query();\n"
            f"while (gr.next()) {{\n    gs.info('job {j} ' + gr.getValue('number'));\n}}\n")
        text += (f'[[jobs]]\nname = "Job {j}"\nrun_on = ["prod"]\nscript = "jobs/j{j}.js"\nrun = "daily"\n'
                 f'time = "01:00:00"\n')
    (folder / "postclone.toml").write_text(text)
    return folder / "postclone.toml"


def fresh_build(name: str, config: Path, work: Path, runs: int, warm: bool = False) -> dict:
    """A build with no build folder. Cold: an empty validation cache too. Warm: the cache as another
    config's build left it (the developer's loop: the template skeletons are known, the config is new)."""
    cache = work / ("cache-warm" if warm else "cache")
    if warm:
        other = work / "other"
        make_config(other, 1, 1)
        shutil.rmtree(cache, ignore_errors=True)
        run_once(postclone("build", str(other / "postclone.toml"), "--out", str(other / "out")),
                 env={"POSTCLONE_CACHE_DIR": str(cache)})

    def before(i):
        shutil.rmtree(work / "out", ignore_errors=True)
        if not warm:
            shutil.rmtree(cache, ignore_errors=True)

    return measure(name, postclone("build", str(config), "--out", str(work / "out")), runs,
                   env={"POSTCLONE_CACHE_DIR": str(cache)}, before=before)


def sdk_app(folder: Path, build_dir: Path) -> None:
    """A now-sdk project with the same records our example build ships, written from our own build."""
    manifest = json.loads((build_dir / "manifest.json").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "now.config.json").write_text(json.dumps({"scope": "global", "scopeId": "global",
                                                        "name": "postclone benchmark"}, indent=4))
    (folder / "package.json").write_text(json.dumps({
        "name": "postclone-benchmark", "version": "0.0.1", "license": "UNLICENSED",
        "scripts": {"build": "now-sdk build"},
        "devDependencies": {"@servicenow/sdk": SDK_VERSION, "@servicenow/glide": "27.0.5"},
    }, indent=4))

    def tpl(text: str) -> str:  # a TypeScript template literal holding exactly `text`
        return "`" + text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`"

    lines = ["import { Record } from '@servicenow/sdk/core'", ""]
    for i, rec in enumerate(manifest["records"]):
        if rec["table"] == "sysauto_script":
            script = (build_dir / "jobs" / f"{rec['key']}.js").read_text()
            cond = (build_dir / "jobs" / f"{rec['key']}.condition.js").read_text()
            data = (f"name: {json.dumps(rec['name'])}, active: true, run_type: 'daily', "
                    f"run_time: '1970-01-01 02:00:00', conditional: true, condition: {tpl(cond)}, "
                    f"script: {tpl(script)}")
        else:
            script = (build_dir / f"postclone-{rec['key']}.js").read_text()
            data = f"name: {json.dumps(rec['name'])}, script: {tpl(script)}"
        lines.append(f"export const r{i} = Record({{ $id: Now.ID[{json.dumps(rec['key'] + '-' + rec['table'])}], "
                     f"table: {json.dumps(rec['table'])}, data: {{ {data} }} }})")
    (folder / "src" / "fluent").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "fluent" / "records.now.ts").write_text("\n".join(lines) + "\n")


def now_sdk(work: Path, runs: int) -> dict:
    npx, npm = shutil.which("npx"), shutil.which("npm")
    if not npx or not npm:
        return {"name": "now-sdk build (the example's records)", "skipped": "npx/npm not found"}
    build_dir = work / "example-out" / "acme-postclone-1.4.0"
    app = work / "sdk-app"
    sdk_app(app, build_dir)
    r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=app,
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        return {"name": "now-sdk build (the example's records)",
                "skipped": f"npm install @servicenow/sdk@{SDK_VERSION} failed: {r.stderr.strip()[-300:]}"}

    def before(i):
        shutil.rmtree(app / "dist", ignore_errors=True)

    try:
        return measure("now-sdk build (the example's records)", [npx, "now-sdk", "build"], runs, cwd=app, before=before)
    except RuntimeError as err:
        return {"name": "now-sdk build (the example's records)", "skipped": f"now-sdk build failed: {str(err)[-300:]}"}


def live_snapshot(work: Path, users: int) -> dict:
    """`snapshot --from` of a synthetic instance served by the tests' Table API server (in its own
    process, so its memory is not counted): the time and the peak RSS of the snapshot process."""
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "table_api_server.py"), str(users),
                               str(users // 20), "3600"], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        out = work / f"live-{users}"
        m = measure(f"snapshot --from, {users} users", postclone("snapshot", str(out), "--from", url, "--config",
                                                                  str(EXAMPLE)), 1,
                    env={"SN_USER": "bench", "SN_PASSWORD": "bench"})
        m.update({"users": users, "records": sum(1 for p in out.glob("*.xml") for line in p.open()
                                                   if "action=" in line)})
        return m
    finally:
        server.kill()
        server.wait()


def single_cases(results: dict, work: Path, n: int, no_sdk: bool) -> None:
    results["cases"].append(fresh_build("build example (new, warm cache)", EXAMPLE, work, n, warm=True))
    results["cases"].append(fresh_build("build example (new, cold cache)", EXAMPLE, work, n))
    run_once(postclone("build", str(EXAMPLE), "--out", str(work / "example-out")))
    results["cases"].append(measure("build example (unchanged)",
                                    postclone("build", str(EXAMPLE), "--out", str(work / "example-out")), n))
    results["cases"].append(measure("validate example (cold cache)", postclone("validate", str(EXAMPLE)), n,
                                    env={"POSTCLONE_NO_CACHE": "1"}))
    results["cases"].append(measure("simulate example on the fixture",
                                    postclone("simulate", str(EXAMPLE), "--instance", "acmetest", "--data",
                                              str(FIXTURE)), max(3, n // 2)))
    long_lists = work / "long-lists"
    long_lists.mkdir()
    many = ", ".join(f'"user{i}"' for i in range(40_000))
    (long_lists / "postclone.toml").write_text(
        '[update_set]\nname = "Long lists"\nversion = "1.0.0"\n[instances]\nproduction = ["prod"]\n'
        '[environments.dev]\ninstances = ["dev1"]\npurpose = "development"\n'
        f'[environments.dev.users]\nkeep_users = [{many}]\n[environments.dev.scheduled_jobs]\nkeep = [{many}]\n')
    results["cases"].append(measure("validate, two 40,000-entry keep lists",
                                    postclone("validate", str(long_lists / "postclone.toml")), max(3, n // 2),
                                    env={"POSTCLONE_NO_CACHE": "1"}))
    sdk = ({"name": "now-sdk build (the example's records)", "skipped": "--no-sdk"} if no_sdk
           else now_sdk(work, 3))
    results["cases"].append(sdk)


def build_series(results: dict, work: Path, quick: bool) -> None:
    series = {"jobs (1 environment)": [(j, 1) for j in ((1, 10, 100) if quick else (1, 10, 100, 1000))],
              "environments (1 job)": [(1, e) for e in (1, 10, 50)],
              "1,000 jobs x 50 environments": [] if quick else [(1000, 50)]}
    for label, sizes in series.items():
        rows = []
        for jobs, envs in sizes:
            folder = work / f"scale-{jobs}-{envs}"
            cfg = make_config(folder, jobs, envs)
            rows.append({"jobs": jobs, "environments": envs,
                         **fresh_build(f"{jobs} jobs, {envs} envs (cold)", cfg, folder, 3 if jobs < 1000 else 2)})
        results["scale"][label] = rows


def simulate_series(results: dict, work: Path, quick: bool) -> None:
    """simulate the example on synthetic snapshots; each row also records the database operations
    (the same at every size) and the peak RSS."""
    rows = []
    for users in ((1000, 10000) if quick else (1000, 10000, 100000, 1000000)):
        snap = work / f"snap-{users}"
        subprocess.run(postclone("snapshot", str(snap), "--users", str(users), "--jobs", str(users // 20)),
                       check=True, capture_output=True)
        cmd = postclone("simulate", str(EXAMPLE), "--instance", "acmetest", "--data", str(snap))
        m = measure(f"simulate {users} users", cmd, 3 if users < 100000 else 2)
        report = json.loads(subprocess.run(cmd + ["--json"], capture_output=True, text=True).stdout)
        m.update({"users": users, "jobs": users // 20, "db_operations": report["totals"]["operations"],
                  "users_step_operations": next(s["queries"] + s["writes"] for s in report["steps"]
                                                if s["name"] == "users")})
        rows.append(m)
    results["scale"]["simulator (users; jobs = users / 20)"] = rows


PARTS = ("cases", "builds", "simulate", "snapshot")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and sizes (a smoke test of the benchmark)")
    ap.add_argument("--no-sdk", action="store_true", help="skip timing now-sdk build")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "benchmark.json")
    ap.add_argument("--only", choices=PARTS, action="append",
                    help="run only this part (repeatable): the single cases, the build series, the simulate "
                         "series, the snapshot --from series")
    args = ap.parse_args()
    parts = set(args.only or PARTS)
    os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    n = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="postclone-bench-"))
    results: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "cases": [], "scale": {}}
    try:
        base = measure("python -c pass", [sys.executable, "-c", "pass"], n)
        results["cases"].append(base)
        if "cases" in parts:
            single_cases(results, work, n, args.no_sdk)
        if "builds" in parts:
            build_series(results, work, args.quick)
        if "simulate" in parts:
            simulate_series(results, work, args.quick)
        if "snapshot" in parts:
            results["scale"]["snapshot --from a local Table API server (users; jobs = users / 20)"] = [
                live_snapshot(work, users) for users in ((10000,) if args.quick else (100000, 1000000))]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


def print_table(results: dict) -> None:
    base = results["cases"][0]["median_s"]
    sdk = next((c for c in results["cases"] if c["name"].startswith("now-sdk") and "median_s" in c), None)
    print(f"{'case':<40} {'median s':>9} {'x python':>9} {'peak MiB':>9} {'x now-sdk':>10}")
    for c in results["cases"]:
        if "skipped" in c:
            print(f"{c['name']:<40} skipped: {c['skipped']}")
            continue
        vs_sdk = f"{c['median_s'] / sdk['median_s']:.3f}" if sdk and c is not sdk else ""
        print(f"{c['name']:<40} {c['median_s']:>9.3f} {c['median_s'] / base:>9.1f} "
              f"{c['peak_rss_mib']:>9.1f} {vs_sdk:>10}")
    for label, rows in results["scale"].items():
        print(f"\n{label}")
        prev = None
        for r in rows:
            growth = f"x{r['median_s'] / prev['median_s']:.2f} for x{_size(r) / _size(prev):.0f}" if prev else ""
            extra = (f"  db ops {r['db_operations']} (users step {r['users_step_operations']})"
                     if "db_operations" in r else "")
            print(f"  {r['name']:<38} {r['median_s']:>9.3f} {r['peak_rss_mib']:>9.1f} MiB  {growth}{extra}")
            prev = r


def _size(row: dict) -> float:
    if "users" in row:
        return row["users"]
    return max(row["jobs"], 1) * max(row["environments"], 1)


if __name__ == "__main__":
    sys.exit(main())
