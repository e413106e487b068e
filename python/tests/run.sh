#!/usr/bin/env bash
# Runs one Python test file with Debian's python3 and pytest against the
# libsnig.so of a build folder.  Exit 77 (a CTest skip) where the tests
# cannot run: a sanitizer build (its library needs the sanitizer runtime
# loaded first), or python3-pytest / numpy / scipy missing.
# usage: run.sh LIBSNIG_SO SANITIZE(ON|OFF) TEST_FILE [pytest args]
set -u
lib=$(realpath "$1") sanitize=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
[ -x $python ] || python=$(command -v python3)
if [ "$sanitize" = ON ]; then
    echo "SKIP: sanitizer build (Python cannot load an ASan libsnig.so)"
    exit 77
fi
if ! $python -c "import pytest, numpy, scipy" 2>/dev/null; then
    echo "SKIP: $python lacks pytest, numpy or scipy (scripts/install-deps.sh)"
    exit 77
fi
export SNIG_LIBRARY=$lib
export PYTHONPATH=$here/..${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
exec $python -m pytest -q -p no:cacheprovider -rs "$@"
