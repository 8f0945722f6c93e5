"""The shopper-page checks catch what they are for: English left on a page, a page wider than the
phone, a small touch target, an image without a text alternative."""

from __future__ import annotations

import pytest

from tests.support import pagecheck

pytestmark = pytest.mark.browser


def test_each_check_fails_on_a_page_that_breaks_it(page, db) -> None:
    page.set_content('<html lang="id"><body><p>Waiting for your approval…</p></body></html>')
    with pytest.raises(AssertionError, match="Waiting for your approval"):
        pagecheck.assert_indonesian(page)

    page.set_viewport_size({"width": 360, "height": 740})
    page.set_content('<html lang="id"><body><div style="width:500px">lebar</div></body></html>')
    with pytest.raises(AssertionError, match="scroll"):
        pagecheck.assert_fits(page)
    page.set_content('<html lang="id"><body><button style="height:30px">Bayar</button></body></html>')
    with pytest.raises(AssertionError, match="Bayar"):
        pagecheck.assert_fits(page)

    page.set_content('<html lang="id"><body><main><img src="data:,"></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        pagecheck.assert_accessible(page)
