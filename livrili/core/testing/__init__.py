"""Test support shared by every app: pytest fixtures (`fixtures`, registered by the root
conftest's `pytest_plugins`) and plain helpers imported by test modules."""
