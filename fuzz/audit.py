"""`make audit`: pip-audit over every requirements*.txt (the pins and what they pull in).

    .venv-fuzz/bin/python fuzz/audit.py                       # exit 1 on a vulnerability or an incomplete audit
    .venv-fuzz/bin/python fuzz/audit.py --allow-unreachable   # CI: an unreachable service only warns

pip-audit asks its vulnerability service (PyPI's per-release JSON by default, or OSV) about each
resolved package. Where the service cannot answer (no route, or a mirror without the
per-release documents), pip-audit skips the package and, on its own, still reports "no known
vulnerabilities": this script counts the skipped packages instead, and a run that could look
up none of them is reported as not done, never as clean.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", choices=["pypi", "osv"], default="pypi", help="pip-audit's vulnerability service")
    parser.add_argument(
        "--allow-unreachable",
        action="store_true",
        help="exit 0 (with a warning) when the service could not be asked about any package",
    )
    args = parser.parse_args()
    files = sorted(ROOT.glob("requirements*.txt"))
    command = [str(BIN / "pip-audit"), "--vulnerability-service", args.service, "--format", "json"]
    command += ["--progress-spinner", "off", "--timeout", "30"]
    for path in files:
        command += ["--requirement", str(path)]
    print(f"audit: pip-audit ({args.service}) over {', '.join(path.name for path in files)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        print(f"audit: pip-audit failed (exit {result.returncode}) before auditing anything")
        return 0 if args.allow_unreachable else 2
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release"
            print(f"  VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in: {fixes})")
    print(
        f"audit: {len(dependencies)} packages, {audited} looked up, {len(skipped)} skipped, "
        f"{len(vulnerable)} vulnerable"
    )
    if vulnerable:
        return 1
    if skipped:
        for dep in skipped[:5]:
            print(f"  skipped {dep['name']}: {dep['skip_reason']}")
        reachable = audited > 0
        print(
            "audit: INCOMPLETE — "
            + (
                f"{len(skipped)} package(s) could not be looked up"
                if reachable
                else "the vulnerability service answered for no package (no network to it here)"
            )
        )
        return 0 if args.allow_unreachable and not reachable else 3
    print("audit: no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
