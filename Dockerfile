# GOV.UK Frontend's built assets, from the pinned npm package (never copied into the repository).
FROM node:20-slim AS frontend
WORKDIR /srv
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /srv
# Dependencies first, in their own cached layer.
COPY pyproject.toml ./
RUN mkdir -p app seed && touch app/__init__.py seed/__init__.py \
    && pip install --no-cache-dir . && pip uninstall -y s106-tracker
COPY . .
COPY --from=frontend /srv/node_modules/govuk-frontend/dist /srv/node_modules/govuk-frontend/dist
RUN pip install --no-cache-dir --no-deps -e .
ENV DATABASE_URL=sqlite:////data/s106.db
EXPOSE 8000
# Both workers must sign forms with one key: SECRET_KEY if given (keep it across restarts), else one per start.
CMD ["sh", "-c", "export SECRET_KEY=\"${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_hex(32))')}\" && s106 migrate && s106 serve --host 0.0.0.0 --port 8000 --workers 2"]
