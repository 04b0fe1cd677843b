# The README's screenshots: the browser tests (tests/browser) write docs/screenshots/*.png when
# PAARS_SCREENSHOTS=1; a plain `make test` leaves the committed pictures alone.
.PHONY: screenshots

screenshots: $(STAMP) $(WEB_ASSETS)
	PAARS_SCREENSHOTS=1 $(PY) -m pytest tests/browser -q -p no:cacheprovider
