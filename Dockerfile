FROM python:3.11-slim
WORKDIR /srv
# Dependencies first, in their own cached layer.
COPY pyproject.toml ./
RUN mkdir -p app seed && touch app/__init__.py seed/__init__.py \
    && pip install --no-cache-dir . && pip uninstall -y s106-tracker
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
ENV DATABASE_URL=sqlite:////data/s106.db
EXPOSE 8000
CMD ["sh", "-c", "s106 migrate && s106 serve --host 0.0.0.0 --port 8000 --workers 2"]
