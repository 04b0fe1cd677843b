# The web app's browser assets (htmx) come from npm at install time, pinned by services/web/package-lock.json;
# nothing third-party is committed. `make run` and `make test` install them on a fresh machine.
WEB_ASSETS := services/web/node_modules/.installed

$(WEB_ASSETS): services/web/package.json services/web/package-lock.json
	cd services/web && npm ci --no-audit --no-fund
	touch $@

.PHONY: web-assets
web-assets: $(WEB_ASSETS)

run test: $(WEB_ASSETS)
