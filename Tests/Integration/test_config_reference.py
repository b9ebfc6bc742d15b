"""The configuration reference is generated from the code and must stay in step with it; every
YAML key the parsers accept must be documented."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("config_reference", os.path.join(ROOT, "scripts", "config-reference.py"))
config_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config_reference)


def test_configuration_md_matches_the_code(nagare_bin):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "config-reference.py"), nagare_bin, "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_yaml_key_is_documented():
    for _, source, doc in config_reference.YAML_SOURCES:
        text = open(os.path.join(ROOT, "docs", doc)).read()
        # Keys appear in code spans, alone or in paths such as `timestamp.field` or `metrics[].type`.
        documented = {word for span in re.findall(r"`([^`]+)`", text) for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span)}
        keys = config_reference.yaml_keys(source)
        assert len(keys) > 5, source
        missing = [k for k in keys if k not in documented]
        assert not missing, f"{doc} does not mention {missing}"
