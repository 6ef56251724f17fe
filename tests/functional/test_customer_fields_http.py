"""The customer and service fields HubSoft's clients read (issue 18, item 6), over HTTP: ``GET cliente`` in
HubSoft's shape, the changes of ``PUT cliente/{id}`` and ``PUT cliente_servico/{id}``, the configuration lists."""
from typing import Any

from tests.functional.conftest import Http
from tests.support.hubsoft_shape import assert_hubsoft_shape

API = "/api/v1/integracao"
ADDRESS = {"logradouro": "Rua das Flores", "numero": "10", "complemento": "Casa 2", "bairro": "Centro",
           "cidade": "Campinas", "uf": "SP", "cep": "13010-000"}
BILLING = {"logradouro": "Av. Brasil", "numero": "500", "complemento": "Sala 3", "bairro": "Jardim",
           "cidade": "Campinas", "uf": "sp", "cep": "13020000"}
# Key paths of HubSoft's example for data we never hold (docs/api.md says so).
NEVER_HELD = {
    "clientes[].servicos[].ultima_conexao": "não guardamos dados de conexão (RADIUS)",
    "clientes[].servicos[].ipv4": "não guardamos dados de rede",
    "clientes[].servicos[].mac_addr": "não guardamos dados de rede",
    "clientes[].servicos[].phy_addr": "não guardamos dados de rede",
    "clientes[].servicos[].interface": "não guardamos equipamentos de rede",
    "clientes[].servicos[].interface_roteamento": "não guardamos equipamentos de rede",
    "clientes[].servicos[].equipamento_conexao": "não guardamos equipamentos de rede",
    "clientes[].servicos[].equipamento_roteamento": "não guardamos equipamentos de rede",
    "clientes[].servicos[].senha": "não guardamos a senha da conexão",
    "clientes[].servicos[].senhas": "não guardamos senhas do serviço",
    "clientes[].servicos[].pacotes": "não há pacotes adicionais ao plano",
    "clientes[].alerta_mensagens": "não há alertas de cadastro",
    "clientes[].servicos[].endereco_instalacao.coordenadas": "não guardamos coordenadas",
}


def register(http: Http, **extra: Any) -> dict[str, Any]:
    body = {"nome_razaosocial": "Maria da Silva Souza", "cpf_cnpj": "529.982.247-25",
            "telefone_primario": "(11) 98765-4321", "email": "maria@example.com",
            "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": ADDRESS}], **extra}
    answer = http.request("POST", f"{API}/cliente", body)
    assert answer.json["status"] == "success", answer.json
    return dict(answer.json["cliente"])


def full_customer(http: Http) -> dict[str, Any]:
    return register(
        http, nome_fantasia="Mercadinho da Maria", telefone_secundario="11 3232-1010",
        telefone_terciario="+55 19 99876-5432", email_secundario="maria2@example.com", rg="12.345.678-9",
        data_nascimento="20/05/1990",
        servicos=[{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": ADDRESS, "login": "maria.souza",
                   "tecnologia": "FIBRA", "referencia": "Perto da praça", "endereco_cadastral": BILLING}])


def search(http: Http, key: str, term: str) -> dict[str, Any]:
    return dict(http.request("GET", f"{API}/cliente?busca={key}&termo_busca={term}").json)


def test_get_cliente_has_every_key_path_of_hubsofts_example(http: Http) -> None:
    http.login()
    full_customer(http)
    answer = search(http, "cpf_cnpj", "52998224725")
    assert_hubsoft_shape("GET cliente", answer, unknown=NEVER_HELD)
    customer = answer["clientes"][0]
    assert (customer["tipo_pessoa"], customer["nome_fantasia"], customer["telefone_secundario"],
            customer["telefone_terciario"], customer["email_secundario"], customer["rg"]) == (
        "pf", "Mercadinho da Maria", "1132321010", "19998765432", "maria2@example.com", "12.345.678-9")
    assert (customer["data_nascimento"], customer["data_nascmento"]) == ("1990-05-20", "1990-05-20 00:00:00")
    service = customer["servicos"][0]
    assert (service["login"], service["tecnologia"], service["referencia"], service["numero_plano"]) == (
        "maria.souza", "FIBRA", "Perto da praça", service["id_cliente_servico"])
    assert service["ultima_conexao"] is None and service["ipv4"] is None
    assert service["endereco_instalacao"]["endereco"] == "Rua das Flores"
    assert service["endereco_instalacao"]["estado"] == "SP"
    # billing and fiscal addresses default to the registration address given
    for key in ("endereco_cadastral", "endereco_cobranca", "endereco_fiscal"):
        assert (service[key]["endereco"], service[key]["uf"], service[key]["cep"]) == ("Av. Brasil", "SP", "13020000")


def test_a_customer_without_the_new_fields_answers_null_and_defaults(http: Http) -> None:
    http.login()
    register(http, cpf_cnpj="11.222.333/0001-81", nome_razaosocial="Empresa X Ltda")
    customer = search(http, "nome", "empresa")["clientes"][0]
    assert customer["tipo_pessoa"] == "pj"
    assert customer["nome_fantasia"] is None and customer["telefone_secundario"] is None
    assert customer["data_nascmento"] is None
    service = customer["servicos"][0]
    assert service["login"] is None
    assert service["endereco_cobranca"]["endereco"] == service["endereco_instalacao"]["endereco"] == "Rua das Flores"


def test_search_by_hubsofts_other_keys(http: Http) -> None:
    http.login()
    full_customer(http)
    for key, term in (("nome", "maria%20sou"), ("nome_fantasia", "mercadinho"), ("telefone", "1132321010"),
                      ("telefone", "19998765432"), ("login_radius", "MARIA.SOUZA"), ("login", "maria.souza")):
        answer = search(http, key, term)
        assert [c["nome_razaosocial"] for c in answer["clientes"]] == ["Maria da Silva Souza"], (key, answer)
    refused = search(http, "ipv4", "10.0.0.1")
    assert refused["status"] == "error" and "não disponível nesta instalação" in refused["msg"] + str(
        refused["errors"])


def test_put_cliente_changes_what_is_sent_and_keeps_the_search_true(http: Http) -> None:
    http.login()
    customer = full_customer(http)
    answer = http.request("PUT", f"{API}/cliente/{customer['id_cliente']}", {
        "nome_razaosocial": "Maria Pereira", "telefone_secundario": "", "rg": "99"}).json
    assert answer["status"] == "success", answer
    changed = answer["cliente"]
    assert (changed["nome_razaosocial"], changed["telefone_secundario"], changed["rg"], changed["nome_fantasia"]) == (
        "Maria Pereira", None, "99", "Mercadinho da Maria")
    assert search(http, "nome", "pereira")["clientes"][0]["id_cliente"] == customer["id_cliente"]
    assert search(http, "nome", "souza")["clientes"] == []
    assert search(http, "telefone", "1132321010")["clientes"] == []  # the cleared phone's entry went with it
    bad = http.request("PUT", f"{API}/cliente/{customer['id_cliente']}", {
        "telefone_terciario": "123", "data_nascimento": "31/02/1990", "nome_razaosocial": ""}).json
    assert bad["status"] == "error" and len(bad["errors"]) == 3, bad
    assert search(http, "codigo_cliente", str(customer["id_cliente"]))["clientes"][0]["telefone_terciario"] == \
        "19998765432"  # nothing changed on refusal


def test_put_cliente_servico_and_the_unique_login(http: Http) -> None:
    http.login()
    maria = full_customer(http)
    joao = register(http, nome_razaosocial="João Lima", cpf_cnpj="111.444.777-35")
    service_id = joao["servicos"][0]["id_cliente_servico"]
    taken = http.request("PUT", f"{API}/cliente_servico/{service_id}", {"login": "Maria.Souza"}).json
    assert taken["status"] == "error" and "já está em uso" in taken["msg"], taken
    answer = http.request("PUT", f"{API}/cliente_servico/{service_id}", {
        "login": "joao.lima", "tecnologia": "RADIO", "endereco_cobranca": BILLING}).json
    assert answer["status"] == "success", answer
    service = answer["servico"]
    assert (service["login"], service["tecnologia"], service["endereco_cobranca"]["endereco"],
            service["endereco_fiscal"]["endereco"]) == ("joao.lima", "RADIO", "Av. Brasil", "Rua das Flores")
    # the login moves: the old one is free again, the new one finds João
    http.request("PUT", f"{API}/cliente_servico/{service_id}", {"login": "joao.l"})
    assert search(http, "login", "joao.lima")["clientes"] == []
    assert search(http, "login", "joao.l")["clientes"][0]["id_cliente"] == joao["id_cliente"]
    maria_service = maria["servicos"][0]["id_cliente_servico"]
    assert http.request("PUT", f"{API}/cliente_servico/{maria_service}", {"login": "joao.lima"}).json[
        "status"] == "success"


def test_configuration_lists_in_hubsofts_shape(http: Http) -> None:
    http.login()
    statuses = http.request("GET", f"{API}/configuracao/servico_status").json
    assert_hubsoft_shape("GET configuracao/servico_status", statuses)
    assert [s["prefixo"] for s in statuses["servico_status"]] == ["servico_habilitado", "servico_suspenso"]
    due = http.request("GET", f"{API}/configuracao/vencimento").json
    assert_hubsoft_shape("GET configuracao/vencimento", due)
    assert [d["dia_vencimento"] for d in due["vencimentos"]] == [1, 5, 10, 15, 20, 25]
