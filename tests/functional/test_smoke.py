from tests.functional.conftest import Http


def test_health_answers_without_a_token(http: Http) -> None:
    answer = http.request("GET", "/health", token="")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}


def test_can_create_and_find_a_customer(http: Http) -> None:
    http.login()
    created = http.request("POST", "/api/v1/integracao/cliente", {
        "nome_razaosocial": "Maria da Silva Souza", "cpf_cnpj": "529.982.247-25",
        "telefone_primario": "(11) 98765-4321", "email": "maria@example.com",
        "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": {
            "logradouro": "Rua das Flores", "numero": "10", "bairro": "Centro", "cidade": "Campinas",
            "uf": "SP", "cep": "13010-000"}}],
    })
    assert created.json["status"] == "success", created.json
    found = http.request("GET", "/api/v1/integracao/cliente?busca=nome_razaosocial&termo_busca=maria%20sou")
    assert [c["nome_razaosocial"] for c in found.json["clientes"]] == ["Maria da Silva Souza"]
