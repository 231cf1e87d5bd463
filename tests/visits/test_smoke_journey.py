def test_start_page_lists_prisons(family, make_prison):
    make_prison(name="HMP Usk", slug="usk")
    page = family.get("/")
    assert page.status_code == 200
    assert "HMP Usk" in page.text
