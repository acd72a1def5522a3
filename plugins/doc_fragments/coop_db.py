# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by the modules that talk to Coop's PostgreSQL database.
    DOCUMENTATION = r'''
options:
  env_file:
    description:
      - Path, on the managed host, of a Coop C(server.env) (C(DATABASE_*) keys) or C(db.env)
        (C(API_SERVER_DATABASE_*) keys) to take the connection settings from.
      - The other connection options, when given, override what the file says.
      - Coop's own defaults apply to keys the file lacks (port C(5432), user C(postgres), and for
        C(server.env) the database name C(development)).
    type: path
  login_host:
    description: Host of Coop's PostgreSQL server. Unset means libpq's default (local socket or C(PGHOST)).
    type: str
    aliases: [host]
  login_port:
    description: Port of the PostgreSQL server. Default C(5432).
    type: int
    aliases: [port]
  login_db:
    description: Name of Coop's database.
    type: str
    aliases: [database, db]
  login_user:
    description: User to connect as.
    type: str
    aliases: [user]
  login_password:
    description: Password of O(login_user). Never logged.
    type: str
    aliases: [password]
  ssl_mode:
    description:
      - libpq SSL mode. C(DATABASE_SSL=true) in O(env_file) means C(require), as Coop connects
        encrypted without verifying the certificate.
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  ca_cert:
    description: CA certificate file to verify the server with (C(verify-ca), C(verify-full)).
    type: path
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
    default: 10
requirements:
  - psycopg >= 3.1 (on the managed host)
notes:
  - All modules that connect to the database belong to the action group C(roost.coop.coop), so
    C(module_defaults) with C(group/roost.coop.coop) sets the connection once for all of them.
'''
