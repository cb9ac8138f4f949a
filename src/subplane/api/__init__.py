"""HTTP edges (FastAPI/Starlette)."""
