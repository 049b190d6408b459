"""docs/fixtures.md's pytest example, run as written (a nested pytest session with the plugin)."""
import pathlib
import re

DOC = pathlib.Path(__file__).parents[3] / "docs" / "fixtures.md"


def test_the_documented_example_passes(pytester):
    section = DOC.read_text().split("## Python: pytest", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "def test_" in example
    pytester.makepyfile(test_example=example)
    result = pytester.runpytest_subprocess("-p", "bounceback.pytest_plugin", "-p",
                                           "no:cacheprovider")
    result.assert_outcomes(passed=1)
