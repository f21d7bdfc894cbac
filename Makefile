# Two commands do everything on a fresh Debian machine; each installs what it needs.
.PHONY: demo test

demo:
	@Tools/demo.sh

test:
	@Tools/test.sh
