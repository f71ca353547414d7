"""Build glue: installs drivers/, models/, sync/ and sim/ as edge.drivers, edge.models, ...

pyproject.toml holds the metadata; this file only computes the package list, because
setuptools cannot yet discover sub-packages under a remapped directory by itself.
"""

from setuptools import find_packages, setup

ROOTS = {
    "edge": "edge",
    "edge.drivers": "drivers",
    "edge.models": "models",
    "edge.sync": "sync",
    "edge.sim": "sim",
}
NESTED = {"drivers", "models", "sync", "sim"}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [
        f"{name}.{sub}"
        for sub in find_packages(folder)
        if not (name == "edge" and sub.split(".")[0] in NESTED)
    ]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "": ["*.onnx", "*.json", "*.toml", "*.md", "*.html", "*.css", "*.js", "*.svg", "*.png", "*.txt", "*.ttf", "*.yaml"]
    },
    # the float master that training starts from: the reader loads the int8 plate_ocr.onnx
    exclude_package_data={"edge.models.plates": ["plate_ocr_fp32.onnx"]},
)
