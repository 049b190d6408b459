# The plugin under test is loaded with `-p bounceback.pytest_plugin` (CTest's command), as an
# installed package loads it through its pytest11 entry point; pytester runs nested sessions.
pytest_plugins = ["pytester"]
