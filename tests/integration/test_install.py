"""`cmake --install` of the build under test, into a temporary prefix: the binary runs from
there, the man page, the built-in scenarios and the documentation are installed, and the man
page names every verb and option `bounceback --help` lists (so it cannot fall behind)."""
import os
import re
import subprocess

from conftest import BIN, SOURCE_DIR, need_tool


def installed(tmp_path):
    need_tool("cmake")
    build_dir = os.path.dirname(os.path.abspath(BIN))
    run = subprocess.run(["cmake", "--install", build_dir, "--prefix", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return tmp_path


def test_install_puts_binary_man_page_scenarios_and_docs_in_place(tmp_path):
    prefix = installed(tmp_path)
    binary = prefix / "bin" / "bounceback"
    out = subprocess.run([str(binary), "explain", "550"], capture_output=True, text=True)
    assert out.returncode == 0 and "550" in out.stdout, out.stderr
    assert (prefix / "share" / "man" / "man1" / "bounceback.1").stat().st_size > 0
    names = [line.split()[0] for line in
             subprocess.run([BIN, "scenarios"], capture_output=True, text=True).stdout.splitlines()
             if line.strip()]
    assert "greylisting" in names
    scenarios = prefix / "share" / "bounceback" / "scenarios"
    assert sorted(p.stem for p in scenarios.glob("*.toml")) == sorted(names)
    check = subprocess.run([str(binary), "check", *map(str, scenarios.glob("*.toml"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    docs = prefix / "share" / "doc" / "bounceback"
    for name in ["README.md", "LICENSE", "CHANGELOG.md", "running.md", "api.md"]:
        assert (docs / name).is_file(), name


def test_man_page_names_every_verb_and_option_of_help():
    with open(os.path.join(SOURCE_DIR, "docs", "bounceback.1"), encoding="utf-8") as f:
        man = f.read().replace("\\-", "-")
    usage = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", usage))
    assert {"--smtp", "--http", "--scenario"} <= options
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){o}(?![\w-])", man))
    assert not missing, f"docs/bounceback.1 lacks {missing}"
    verbs = set(re.findall(r"^\s+bounceback \[?(\w+)", usage, re.M))
    assert {"serve", "check", "explain", "scenarios"} <= verbs
    for verb in verbs:
        assert re.search(rf"^\.B[RI]? {verb}\b", man, re.M), f"docs/bounceback.1 lacks {verb}"
