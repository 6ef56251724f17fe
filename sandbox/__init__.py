"""The local stack (``python -m sandbox serve``) and the simulators of the
outside services. Local tooling only: never packaged or deployed.

Defaults of the local stack (override with environment variables):

- ``PORT=8000``: the API (and, later, the console) on ``http://127.0.0.1:$PORT``
- ``ADMIN_USERNAME=admin`` and ``ADMIN_PASSWORD=admin12345``: the admin user
  created on first start
- ``OAUTH_CLIENT_ID=1`` and ``OAUTH_CLIENT_SECRET=segredo-local``: the OAuth
  client created on first start
- ``AWS_PORT``: moto's port (a free one by default); ``CIELO_PORT``,
  ``GETNET_PORT``, ``ZAPME_PORT``: the simulators' ports (free ones by default)
- ``SANDBOX_STATE_DIR=.sandbox``: where the run file ``run.json`` is written
- ``SANDBOX_RETRY_SECONDS=2``: base of the local retry backoff of a failed
  queue message: it comes back after 2, 4, 8... seconds (at most 60), and
  after the queue's ``maxReceiveCount`` moto moves it to the dead-letter
  queue. Lambda instead leaves it invisible for the queue's visibility timeout.

The simulators' base URLs are exported to the app as ``CIELO_API_URL``,
``CIELO_QUERY_URL``, ``GETNET_API_URL`` and ``ZAPME_API_URL``; the ZapMe
simulator's ``http://127.0.0.1:<port>`` is also added to
``ZAPME_ALLOWED_HOSTS`` (only here: deployed, the list is https hosts).
"""
