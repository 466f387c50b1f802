# Helpers shared by the Python tests (tests/python/): temporary trees, the built programs.
import os
import shutil
import subprocess
import tempfile
import textwrap


def source_dir():
    return os.environ.get('PANOPTES_SOURCE_DIR') or os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))


def binary_dir():
    return os.environ.get('PANOPTES_BINARY_DIR') or os.path.join(source_dir(), 'build')


def program(name):
    """The path of a built program (panoptes-ctl, ...)."""
    return os.path.join(binary_dir(), 'src', 'bin', name)


class TempTree(object):
    """A temporary directory filled from {relative path: text}; removed on exit."""

    def __init__(self, files=None):
        self.root = tempfile.mkdtemp(prefix='panoptes-pytest-')
        for rel, text in (files or {}).items():
            self.write(rel, text)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))
        return path

    def path(self, rel=''):
        return os.path.join(self.root, rel)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


def run_program(args, timeout=120, env=None):
    """Runs a program; returns (exit status, stdout, stderr)."""
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env,
                          universal_newlines=True)
    return done.returncode, done.stdout, done.stderr
