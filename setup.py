# Builds the _core extension with the project's CMake (Ninja) and places it in the wheel; the
# metadata lives in pyproject.toml. Offline: `pip install --no-build-isolation .`.
# MXLAB_CMAKE_BUILD_DIR reuses an existing CMake build tree instead of a fresh one.
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("MXLAB_CMAKE_BUILD_DIR") or Path(self.build_temp).resolve() / "cmake")
        build_dir.mkdir(parents=True, exist_ok=True)
        config = os.environ.get("MXLAB_BUILD_TYPE", "RelWithDebInfo")
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
                     f"-DCMAKE_BUILD_TYPE={config}", f"-DPython_EXECUTABLE={sys.executable}",
                     "-DMXLAB_PYTHON=ON"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        # An existing tree (MXLAB_CMAKE_BUILD_DIR=build) keeps its configuration: reconfiguring it
        # with this interpreter (a venv's) would rebuild it here and again on the next `make`.
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs], check=True)

        built = next((build_dir / "python" / "mxlab").glob("_core*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    ext_modules=[CMakeExtension("mxlab._core")],
    cmdclass={"build_ext": CMakeBuild},
    # Not "build/": that name belongs to the project's own CMake tree.
    options={"build": {"build_base": "build-wheel"}},
)
