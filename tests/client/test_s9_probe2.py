from __future__ import annotations
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

async def test_probe(signup: ClientFactory, login: ClientFactory) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    print("PROBE first", await ana.shares.revoke("Personal", "tom"))
    await ana.sync()
    await phone.sync()
    try:
        r = await phone.shares.revoke("Personal", "tom")
        print("PROBE second OK", r)
    except Exception as e:
        print("PROBE second", type(e).__name__, e.subject, e)
    try:
        r = await ana.shares.revoke("Personal", "tom")
        print("PROBE third OK", r)
    except Exception as e:
        print("PROBE third", type(e).__name__, e.subject, e)
