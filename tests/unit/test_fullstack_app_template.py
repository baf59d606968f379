"""The fullstack-app project template gives the features asked for: Docker files with `docker` only, and a README
whose Docker command starts as written (with `auth` the compose file needs a SECRET_KEY, so the command sets one)."""

from app.generation.project_templates.fullstack_app import render
from app.generation.project_templates.spec import ProjectSpec

ENTITIES = [{"name": "Task", "fields": [{"name": "title"}, {"name": "done", "type": "bool"}]}]
DOCKER_FILES = {"docker-compose.yml", "backend/Dockerfile", "frontend/Dockerfile", "frontend/nginx.conf"}


def files_of(*features: str) -> dict[str, str]:
    spec = ProjectSpec(template_id="fullstack-app", name="board", entities=ENTITIES, features=list(features))
    return {f.path: f.content for f in render(spec)}


def test_without_docker_there_is_no_docker_file_and_the_readme_names_none():
    files = files_of("auth")
    assert not DOCKER_FILES & files.keys()
    assert "docker" not in files["README.md"].lower()


def test_with_docker_and_auth_the_readme_command_sets_the_secret_the_compose_file_requires():
    files = files_of("docker", "auth")
    assert DOCKER_FILES <= files.keys()
    assert "SECRET_KEY: ${SECRET_KEY:?" in files["docker-compose.yml"]
    command = next(line for line in files["README.md"].splitlines() if "docker compose up" in line)
    assert command.startswith("SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') docker compose")


def test_with_docker_without_auth_no_secret_is_needed():
    files = files_of("docker")
    assert "SECRET_KEY" not in files["docker-compose.yml"]
    command = next(line for line in files["README.md"].splitlines() if "docker compose up" in line)
    assert command.startswith("docker compose up --build")


def test_the_images_install_the_verified_lockfiles_when_the_project_has_them():
    files = files_of("docker")
    assert "npm ci" in files["frontend/Dockerfile"] and "requirements.lock" in files["backend/Dockerfile"]
