from services.retrieval.tokenizer import Analyzer, AnalyzerConfig, query_terms, tokenize


def test_product_codes_kept_whole_and_split():
    toks = tokenize("Order SKU-4471 today")
    assert "sku-4471" in toks and "sku" in toks and "4471" in toks
    assert "sku4471" in toks  # squashed form, so "SKU4471" in a query meets "SKU-4471" in a passage
    assert "sku4471" in tokenize("SKU4471")


def test_versions_and_decimals():
    toks = tokenize("firmware v2.3.1 and 2.5 times")
    assert "v2.3.1" in toks and "v2" in toks
    assert "2.5" in toks and "2" in toks and "5" in toks


def test_gene_symbols_and_acronyms():
    toks = tokenize("BRCA1 carriers in the U.S.A. and IL-6")
    assert "brca1" in toks and "brca" in toks
    assert "u.s.a" in toks and "usa" in toks
    assert "il-6" in toks and "il6" in toks


def test_numbers_with_units_normalised():
    assert "10mg" in tokenize("a dose of 10 mg daily")
    assert "10mg" in tokenize("a dose of 10mg daily")
    assert "2.5mg/kg" in tokenize("given 2.5 mg/kg")
    assert "5%" in tokenize("rose by 5 %")
    assert "1000mg" in tokenize("1,000 mg")
    # single-letter units only bind without a space: "3 a day" is not "3a"
    assert "3a" not in tokenize("3 a day")


def test_stopwords_and_stemming():
    toks = tokenize("The studies of patients")
    assert "the" not in toks and "of" not in toks
    assert toks == ["study", "patient"]
    plain = Analyzer(AnalyzerConfig(stopwords=False, stem=False)).tokenize("The studies")
    assert plain == ["the", "studies"]


def test_query_terms_flag_exact_shapes():
    flags = {t.token: t.exact_shape for t in query_terms("BRCA1 mutation in HIV with gluten-free diet and SKU-4471")}
    assert flags["brca1"] and flags["hiv"] and flags["sku-4471"]
    assert not flags["mutation"] and not flags["gluten-free"]


def test_defined_abbreviation_is_not_exact():
    defined = [t for t in query_terms("neural stem cell (NSC)") if t.token == "nsc"]
    bare = [t for t in query_terms("NSC lines") if t.token == "nsc"]
    assert defined and not defined[0].exact_shape
    assert bare and bare[0].exact_shape


def test_same_tokens_for_documents_and_queries():
    text = "Update AX-3000 to v2.3.1 (E-104)"
    assert tokenize(text) == [t.token for t in query_terms(text)]
