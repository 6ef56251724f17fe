"""HubSoft's finance routes over our invoices through the Chalice app: payment data given on creation and later
(refused when malformed, nothing changed), ``cliente/financeiro`` in HubSoft's shape with its filters, the
period listing of ``financeiro/fatura`` by each ``tipo_data`` with paging (the by-service listing unchanged),
``liquidar`` with HubSoft's exact body and its ``recibo``, a card-paid invoice saying so, and the company
data setting."""
from __future__ import annotations

from typing import Any

from tests.conftest import MutableClock
from tests.functional.billing.support import ADDRESS, cielo_on
from tests.functional.billing.test_invoices_http import charge, with_card
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok
from tests.support.hubsoft_shape import assert_hubsoft_shape

INVOICES = f"{BASE}/financeiro/fatura"
STATEMENT = f"{BASE}/cliente/financeiro"
LINE = "23793.38128 60000.000003 00000.000400 1 84340000009990"
LINE_DIGITS = "23793381286000000000300000000400184340000009990"
BARCODE = "23791843400000099903381260000000000000000040"
PIX = "00020101021226860014br.gov.bcb.pix2564pix.exemplo.com.br/qr/v2/cobv/7310520400005303986540599.905802BR6304ABCD"
LINK = "https://boletos.exemplo.com.br/7310"
PAYMENT = {"linha_digitavel": LINE, "codigo_barras": BARCODE, "pix_copia_cola": PIX, "link": LINK,
           "nosso_numero": "00073101"}
# What we do not hold (docs/api.md, "Dados que não temos"): no plan catalogue, no coordinates, no bank account
# of the charge, no cash registers, no birth date nor second e-mail.
STATEMENT_UNKNOWN = {
    "faturas[].cliente.servico.numero_plano": "sem catálogo de planos",
    **{f"faturas[].cliente.servico.{a}.coordenadas": "sem coordenadas dos endereços"
       for a in ("endereco_cadastral", "endereco_instalacao", "endereco_fiscal", "endereco_cobranca")},
}
PERIOD_UNKNOWN = {
    "faturas[].servico.numero_plano": "sem catálogo de planos",
    "faturas[].forma_cobranca": "sem a conta bancária da cobrança (dados do banco do provedor)",
    "faturas[].recibos[].caixa_financeiro.id_caixa_financeiro": "sem caixas financeiros",
    "faturas[].cliente.data_nascimento": "data de nascimento não cadastrada",
    "faturas[].cliente.email_secundario": "sem e-mail secundário",
}


def invoice(http: Http, service: int = 1, due: str = "2026-12-10", value: str = "99.90",
            **extra: Any) -> dict[str, Any]:
    return dict(ok(http.request("POST", INVOICES, {"id_cliente_servico": service, "valor": value,
                                                   "data_vencimento": due, **extra}))["fatura"])


def settle(http: Http, invoice_id: int, day: str = "2026-12-05") -> dict[str, Any]:
    return dict(ok(http.request("POST", f"{INVOICES}/liquidar", {
        "id_fatura": invoice_id, "id_caixa_financeiro": 3, "meio_pagamento": "pix", "data_pagamento": day,
        "valor_pago": 99.9})))


def test_payment_data_on_creation_and_later_returned_with_the_invoice(admin: Http) -> None:
    created = invoice(admin, **PAYMENT)
    assert (created["linha_digitavel"], created["codigo_barras"], created["pix_copia_cola"], created["link"],
            created["nosso_numero"], created["tipo_cobranca"], created["cartao"]) == \
        (LINE_DIGITS, BARCODE, PIX, LINK, "00073101", "boleto_bancario", None)
    bare = invoice(admin, due="2027-01-10")
    assert (bare["linha_digitavel"], bare["tipo_cobranca"]) == (None, "carteira")
    changed = ok(admin.request("PUT", f"{INVOICES}/{bare['id_fatura']}/dados_pagamento",
                               {"pix_copia_cola": PIX}))["fatura"]
    assert (changed["pix_copia_cola"], changed["tipo_cobranca"], changed["linha_digitavel"]) == (PIX, "pix", None)
    # absent keeps, empty clears
    changed = ok(admin.request("PUT", f"{INVOICES}/{bare['id_fatura']}/dados_pagamento",
                               {"link": LINK, "pix_copia_cola": ""}))["fatura"]
    assert (changed["pix_copia_cola"], changed["link"], changed["tipo_cobranca"]) == (None, LINK, "carteira")
    listed = ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1"))["faturas"]
    assert [(f["id_fatura"], f["link"]) for f in listed] == [(created["id_fatura"], LINK),
                                                             (bare["id_fatura"], LINK)]


def test_malformed_payment_data_is_refused_in_portuguese_and_nothing_changes(admin: Http) -> None:
    assert_refused(admin.request("POST", INVOICES, {
        "id_cliente_servico": 1, "valor": "99.90", "data_vencimento": "2026-12-10", "linha_digitavel": "123",
        "codigo_barras": "2379184340000009990338126000000000000000004X", "pix_copia_cola": "pix-qualquer",
        "link": "http://boletos.exemplo.com.br/1"}),
        "linha_digitavel deve ter 47 dígitos", "codigo_barras deve ter 44 dígitos", "começa com 000201",
        "link deve ser um endereço https://")
    assert ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1"))["faturas"] == []
    created = invoice(admin, linha_digitavel=LINE)
    assert_refused(admin.request("PUT", f"{INVOICES}/{created['id_fatura']}/dados_pagamento",
                                 {"linha_digitavel": LINE_DIGITS + "12"}), "linha_digitavel")
    settle(admin, created["id_fatura"])
    assert_refused(admin.request("PUT", f"{INVOICES}/{created['id_fatura']}/dados_pagamento", {"link": LINK}),
                   "está paga")
    listed = ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1"))["faturas"]
    assert (listed[0]["linha_digitavel"], listed[0]["link"]) == (LINE_DIGITS, None)


def test_statement_in_hubsofts_shape_with_every_key(admin: Http) -> None:
    ok(admin.request("PUT", f"{BASE}/configuracao/empresa", {
        "documento": "11.222.333/0001-81", "nome_razaosocial": "Rede Exemplo Telecom Ltda",
        "nome_fantasia": "Rede Exemplo"}))
    paid = invoice(admin, **PAYMENT, descricao="Mensalidade dezembro")
    settle(admin, paid["id_fatura"])
    answer = ok_suscess(admin.request("GET", f"{STATEMENT}?busca=cpf_cnpj&termo_busca=529.982.247-25"
                                             "&apenas_pendente=nao"))
    assert_hubsoft_shape("GET cliente/financeiro", answer, unknown=STATEMENT_UNKNOWN)
    item = answer["faturas"][0]
    assert (item["quitado"], item["valor"], item["data_vencimento"], item["data_pagamento"]) == \
        (True, 99.9, "10/12/2026", "05/12/2026")
    assert item["detalhamento"] == [{"descricao": "Mensalidade dezembro", "valor": 99.9}]
    assert item["empresa"] == {"documento": "11.222.333/0001-81", "nome_razaosocial": "Rede Exemplo Telecom Ltda",
                               "nome_fantasia": "Rede Exemplo"}
    assert (item["cliente"]["codigo_cliente"], item["cliente"]["servico"]["id_cliente_servico"],
            item["cliente"]["servico"]["endereco_instalacao"]["estado"]) == (1, 1, "São Paulo")
    assert (item["pix_copia_cola"], item["linha_digitavel"]) == (PIX, LINE_DIGITS)


def ok_suscess(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200 and answer.json["status"] == "suscess", answer.json
    return dict(answer.json)


def test_statement_filters_order_limit_and_search_keys(admin: Http) -> None:
    first = invoice(admin, due="2026-12-10", value="50.00")
    second = invoice(admin, due="2027-01-10", value="80.00")
    third = invoice(admin, due="2027-02-10", value="60.00")
    invoice(admin, service=2, due="2026-12-10")  # another customer's
    settle(admin, first["id_fatura"])
    cancelled = invoice(admin, due="2027-03-10")
    ok(admin.request("POST", f"{INVOICES}/{cancelled['id_fatura']}/cancelar"))

    def ids(query: str) -> list[int]:
        return [f["id_fatura"] for f in ok_suscess(admin.request("GET", f"{STATEMENT}?{query}"))["faturas"]]

    assert ids("busca=codigo_cliente&termo_busca=1") == [second["id_fatura"], third["id_fatura"]]
    assert ids("busca=codigo_cliente&termo_busca=1&apenas_pendente=nao") == \
        [first["id_fatura"], second["id_fatura"], third["id_fatura"]]
    assert ids("busca=id_cliente_servico&termo_busca=1&order_by=valor&order_type=desc&apenas_pendente=nao") == \
        [second["id_fatura"], third["id_fatura"], first["id_fatura"]]
    assert ids("busca=cpf_cnpj&termo_busca=52998224725&limit=1") == [second["id_fatura"]]
    assert ids("busca=cpf_cnpj&termo_busca=52998224725&data_inicio=2027-02-01&data_fim=2027-02-28") == \
        [third["id_fatura"]]
    assert ids("busca=cpf_cnpj&termo_busca=52998224725&apenas_pendente=nao&tipo_data=data_pagamento"
               "&data_inicio=2026-12-01&data_fim=2026-12-31") == [first["id_fatura"]]
    assert ids("busca=cpf_cnpj&termo_busca=00000000000") == []
    assert_refused(admin.request("GET", f"{STATEMENT}?busca=nome&termo_busca=x"), "busca")
    assert_refused(admin.request("GET", f"{STATEMENT}?busca=cpf_cnpj&termo_busca=1&limit=51"), "limit")
    assert_refused(admin.request("GET", f"{STATEMENT}?busca=cpf_cnpj&termo_busca=1&apenas_pendente=talvez"),
                   "apenas_pendente")


def test_period_listing_by_each_date_kind_paged_in_hubsofts_shape(admin: Http, clock: MutableClock) -> None:
    ok(admin.request("POST", f"{BASE}/cliente", {
        "nome_razaosocial": "Joana Prado", "cpf_cnpj": "39053344705", "telefone_primario": "11987650000",
        "email": "joana@exemplo.com.br", "servicos": [{"nome": "Fibra 500", "valor": "99.90",
                                                     "endereco_instalacao": {**ADDRESS, "complemento": "Casa 2"}}]}))
    ids = [invoice(admin, service=3, due=f"2026-{month:02d}-10", **PAYMENT)["id_fatura"] for month in (10, 11, 12)]
    other = invoice(admin, service=2, due="2026-11-20")["id_fatura"]
    settle(admin, ids[1], "2026-11-09")

    def listed(query: str) -> dict[str, Any]:
        return dict(ok(admin.request("GET", f"{INVOICES}?{query}")))

    page = listed("tipo_data=data_vencimento&data_inicio=2026-10-01&data_fim=2026-12-31&itens_por_pagina=2")
    assert [f["id_fatura"] for f in page["faturas"]] == [ids[0], ids[1]]
    assert page["paginacao"] == {"primeira_pagina": 0, "ultima_pagina": 1, "pagina_atual": 0, "total_registros": 4}
    page = listed("tipo_data=data_vencimento&data_inicio=2026-10-01&data_fim=2026-12-31&itens_por_pagina=2&pagina=1")
    assert [f["id_fatura"] for f in page["faturas"]] == [other, ids[2]]
    assert [f["id_fatura"] for f in listed("tipo_data=data_pagamento&data_inicio=2026-11-01"
                                           "&data_fim=2026-11-30")["faturas"]] == [ids[1]]
    today = clock().date().isoformat()
    created = listed(f"tipo_data=data_cadastro&data_inicio={today}&data_fim={today}")
    assert created["paginacao"]["total_registros"] == 4
    assert listed(f"tipo_data=data_cadastro&data_inicio={today}&data_fim={today}&pagina=1&itens_por_pagina=3"
                  )["faturas"][0]["id_fatura"] == other
    paid = listed("tipo_data=data_vencimento&data_inicio=2026-11-01&data_fim=2026-11-30&status=paga")
    assert_hubsoft_shape("GET financeiro/fatura", paid, unknown=PERIOD_UNKNOWN)
    item = paid["faturas"][0]
    assert (item["valor"], item["data_vencimento"], item["data_pagamento"], item["pix_copia_e_cola"],
            item["cliente"]["tipo_pessoa"], item["recibos"][0]["valor"]) == \
        ("99.90", "2026-11-10", "2026-11-09", PIX, "pf", 99.9)
    assert (item["cliente"]["email_principal"], item["servico"]["endereco_instalacao"]["complemento"]) == \
        ("joana@exemplo.com.br", "Casa 2")
    # the by-service listing keeps our shape
    assert ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=2"))["faturas"][0]["valor"] == 99.9
    assert_refused(admin.request("GET", f"{INVOICES}?tipo_data=data_vencimento&data_inicio=2026-12-01"
                                        "&data_fim=2026-11-01"), "data_fim")
    assert_refused(admin.request("GET", f"{INVOICES}?tipo_data=vencimento"), "tipo_data")


def test_liquidar_takes_hubsofts_exact_body_and_answers_its_recibo(admin: Http) -> None:
    created = invoice(admin)
    answer = settle(admin, created["id_fatura"])
    assert_hubsoft_shape("POST financeiro/fatura/liquidar", answer)
    assert answer["recibo"] == {"id_recibo": created["id_fatura"], "numero_recibo": str(created["id_fatura"]),
                                "data_pagamento": "2026-12-05", "data_credito": "2026-12-05", "valor_pago": 99.9,
                                "tarifa": 0.0, "cliente": {"codigo_cliente": 1, "nome_razaosocial": "Cliente 529",
                                                           "cpf_cnpj": "529.982.247-25"}}
    assert (answer["fatura"]["status"], answer["fatura"]["forma_pagamento"]) == ("paga", "pix")


def test_a_card_paid_invoice_says_so_with_the_masked_card(admin: Http) -> None:
    cielo_on(admin)
    number = luhn_number("4551", 0)
    with_card(admin, number)
    created = invoice(admin, linha_digitavel=LINE)
    billed = charge(admin, created["id_fatura"])["fatura"]
    assert (billed["tipo_cobranca"], billed["cartao"]) == ("cartao_credito", f"Visa •••• {number[-4:]}")
    item = ok_suscess(admin.request("GET", f"{STATEMENT}?busca=codigo_cliente&termo_busca=1"
                                           "&apenas_pendente=nao"))["faturas"][0]
    assert (item["tipo_cobranca"], item["cartao"], item["quitado"]) == \
        ("cartao_credito", f"Visa •••• {number[-4:]}", True)


def test_company_data_has_a_default_and_refuses_a_bad_document(admin: Http) -> None:
    assert ok(admin.request("GET", f"{BASE}/configuracao/empresa"))["empresa"] == {
        "documento": "", "nome_razaosocial": "Provedor de Internet", "nome_fantasia": "Provedor de Internet"}
    assert_refused(admin.request("PUT", f"{BASE}/configuracao/empresa", {
        "documento": "11.222.333/0001-00", "nome_razaosocial": "X", "nome_fantasia": "Y"}), "CNPJ")
    assert ok(admin.request("GET", f"{BASE}/configuracao/empresa"))["empresa"]["documento"] == ""
