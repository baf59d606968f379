"""The job page's file tree: stored paths nested into folders."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TreeNode:
    name: str
    path: str
    size: int | None = None  # None for a folder
    children: list[TreeNode] = field(default_factory=list)

    @property
    def is_dir(self) -> bool:
        return self.size is None


def build_tree(files: dict[str, int]) -> list[TreeNode]:
    """Nest `path → size` into folders (first, alphabetically) and files."""
    root = TreeNode("", "")
    for path, size in sorted(files.items()):
        node = root
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            folder = next((c for c in node.children if c.is_dir and c.name == part), None)
            if folder is None:
                folder = TreeNode(part, "/".join(parts[:depth + 1]))
                node.children.append(folder)
            node = folder
        node.children.append(TreeNode(parts[-1], path, size))
    _sort(root)
    return root.children


def _sort(node: TreeNode) -> None:
    node.children.sort(key=lambda c: (not c.is_dir, c.name.lower()))
    for child in node.children:
        if child.is_dir:
            _sort(child)
