"""Can a change reach the model at all? Files that by their tools' own conventions configure
continuous integration, linting, formatting, type checking, editors, test runs or documentation
builds — and manifests that list only development, test or documentation dependencies — are
never read by training or serving code. A change to them is ruled out with its reason, never
ranked as a cause.

The file names are the ones each tool documents (GitHub Actions' `.github/workflows/`, GitLab's
`.gitlab-ci.yml`, pre-commit's `.pre-commit-config.yaml`, EditorConfig's `.editorconfig`, ruff's
`ruff.toml`, mypy's `mypy.ini`, tox's `tox.ini`, Read the Docs' `.readthedocs.yaml`, …) and pip's
convention of one requirements file per purpose (`requirements-dev.txt`, `requirements/test.txt`),
and, inside one manifest, the groups that by convention hold development tools: Poetry's `dev`
group and `dev-dependencies`, PEP 735 `[dependency-groups]` and extras named for tests, linting,
typing or docs (manifests key such a package `<group>:<name>`, see graph.ingest.files.manifests).
"""

from __future__ import annotations

from collections.abc import Collection

from graph.ingest.files.classify import compile_globs

_TOOLING = (
    (
        "continuous integration",
        """.github .gitlab-ci.yml .gitlab .circleci .travis.yml azure-pipelines.yml Jenkinsfile
        .buildkite bitbucket-pipelines.yml .drone.yml .woodpecker""",
    ),
    (
        "linting, formatting and type checking",
        """.pre-commit-config.yaml .flake8 ruff.toml .ruff.toml mypy.ini .mypy.ini .pylintrc
        pylintrc .yamllint .yamllint.yml .yamllint.yaml .isort.cfg .prettierrc* .eslintrc*
        .markdownlint* .sqlfluff .bandit .pydocstyle .darglint""",
    ),
    (
        "editor and repository settings",
        ".editorconfig .vscode .idea .devcontainer .gitattributes .gitignore",
    ),
    (
        "test and coverage settings",
        "pytest.ini tox.ini noxfile.py .coveragerc codecov.yml .codecov.yml",
    ),
    ("repository automation", "renovate.json .renovaterc .renovaterc.json .mergify.yml CODEOWNERS"),
    ("documentation builds", ".readthedocs.yaml .readthedocs.yml mkdocs.yml docs/conf.py"),
)

_DEV_MANIFESTS = """requirements-dev* requirements_dev* dev-requirements* requirements-test*
requirements_test* test-requirements* tests-requirements* requirements-lint* requirements-docs*
docs-requirements* requirements-ci* requirements/dev* requirements/test* requirements/lint*
requirements/docs* requirements/ci* docs/requirements*"""


_TOOLING_PATTERNS = tuple((purpose, compile_globs(globs.split())) for purpose, globs in _TOOLING)
_DEV_MANIFEST_PATTERN = compile_globs(_DEV_MANIFESTS.split())


DEV_GROUPS = frozenset(
    [
        "dev",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "style",
        "format",
        "formatting",
        "typing",
        "types",
        "mypy",
        "docs",
        "doc",
        "documentation",
        "ci",
        "coverage",
        "pre-commit",
        "check",
        "checks",
    ]
)


def unreachable_reason(path: str) -> str | None:
    """Why a file can never reach the model ("a continuous integration file"), or None."""
    for purpose, pattern in _TOOLING_PATTERNS:
        if pattern.match(path):
            return f"{path} configures {purpose}, which neither training nor serving reads"
    return None


def dev_manifest_reason(path: str) -> str | None:
    """Why a dependency manifest is not the model's runtime environment, or None."""
    if _DEV_MANIFEST_PATTERN.match(path):
        return (
            f"{path} lists development, test or documentation dependencies, "
            "not the model's runtime environment"
        )
    return None


def dev_group_reason(package: str) -> str | None:
    """Why a manifest entry (`<group>:<name>`) is a development tool, not a runtime package."""
    group, _, name = package.rpartition(":")
    if group.lower() in DEV_GROUPS:
        return f"{name} is in the {group} group, which the model's runtime does not install"
    return None


def pipeline_output_reason(path: str, outputs: Collection[str]) -> str | None:
    """Why a file the pipeline itself writes (a DVC stage's out or metrics file, as its
    dvc.lock records) is not a cause: it is a result of training, not an input to it."""
    if path in outputs:
        return f"{path} is written by a DVC pipeline stage (an out in dvc.lock), not read by it"
    return None
