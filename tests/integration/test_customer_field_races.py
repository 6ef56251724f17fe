"""A service's login is unique and a customer's registration is never overwritten by a stale change, even
when requests race (threads against moto's server)."""
from __future__ import annotations

from chalicelib.container import Container
from chalicelib.customers.model import Address, Customer, CustomerChanges, NewCustomer, NewService, ServiceChanges
from chalicelib.errors import BusinessRuleError, ConflictError
from tests.integration.test_races import RACERS, race

ADDRESS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")
# Valid CPFs, one per racer.
DOCUMENTS = ("52998224725", "11144477735", "12345678909", "98765432100", "39053344705", "74682489070",
             "15350946056", "85296374106")


def test_racing_services_claim_one_login_once(server_stack: Container) -> None:
    customers = server_stack.customers
    owners = [customers.register(NewCustomer(name=f"Cliente {i}", document=DOCUMENTS[i], phone="11987654321",
                                             email="", services=(NewService("Fibra", 9990, ADDRESS),)))
              for i in range(RACERS)]

    def take(i: int) -> object:
        # half change an existing service's login, half register a new customer with it
        if i % 2:
            return customers.update_service(owners[i].services[0].id, ServiceChanges(login=f"Disputado{i}"[:9]))
        return customers.add_service(owners[i].id, NewService("Fibra", 9990, ADDRESS, login="disputado"))

    wins, losses = race(take)
    assert len(wins) == 1, (wins, losses)
    assert all(isinstance(e, BusinessRuleError) and "já está em uso" in str(e) for e in losses), losses
    holder = customers.search("login", "DISPUTADO", 5)
    assert len(holder) == 1
    logins = [s.login for c in owners for s in customers.get(c.id).services if s.login]
    assert len(logins) == 1 and logins[0].lower() == "disputado"


def test_racing_registration_changes_never_overwrite_each_other(server_stack: Container) -> None:
    customers = server_stack.customers
    maria = customers.register(NewCustomer(name="Maria da Silva", document=DOCUMENTS[0], phone="11987654321",
                                           email="", services=(NewService("Fibra", 9990, ADDRESS),)))

    def rename(i: int) -> Customer:
        return customers.update(maria.id, CustomerChanges(name=f"Maria Nome{i}", rg=str(i)))

    wins, losses = race(rename)
    assert wins and all(isinstance(e, ConflictError) for e in losses), losses
    # each change that landed was made on the registration as the one before left it (a later racer may read
    # after an earlier one wrote): versions 1..n, none lost, and the last one is what is stored
    versions = sorted(w.version for w in wins)
    assert versions == list(range(1, len(wins) + 1))
    last = max(wins, key=lambda w: w.version)
    stored = customers.get(maria.id)
    assert (stored.name, stored.rg, stored.version) == (last.name, last.rg, len(wins))
    # the search entries and the service's holder copy follow the one change that landed
    assert [c.id for c in customers.search("nome", stored.name.split()[1], 5)] == [maria.id]
    assert customers.search("nome", "silva", 5) == []
    assert stored.services[0].holder is not None and stored.services[0].holder.name == stored.name
