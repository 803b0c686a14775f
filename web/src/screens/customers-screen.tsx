import { useState } from "preact/hooks";
import { ChangeKind, type Change } from "../../../gen/flagwire/v1/flags_pb.js";
import { ConfirmByName, ErrorNote, Link, Pager, Panel, SearchBox } from "../components.js";
import { plural, timeText } from "../format.js";
import { useAction, useDebounced, usePagedList } from "../hooks.js";
import { featurePath, navigate } from "../router.js";
import { useSession } from "../session-context.js";

const PEOPLE = new Set([ChangeKind.CUSTOMER_CREATED, ChangeKind.CUSTOMER_DELETED, ChangeKind.USER_CREATED, ChangeKind.USER_DELETED]);
const aboutPeople = (change: Change) => PEOPLE.has(change.kind);

/** Customers and users: lists, search, create, delete (saying what goes with it), a customer's features and users. */
export function CustomersScreen(props: { query: URLSearchParams }) {
  const selected = props.query.get("customer") ?? "";
  return (
    <>
      <div class="screen-head">
        <h1>Customers &amp; users</h1>
      </div>
      <div class="two-columns">
        <CustomerList selected={selected} />
        <UserList />
      </div>
      {selected && <CustomerDetails key={selected} id={selected} />}
    </>
  );
}

function CustomerList(props: { selected: string }) {
  const { api, canEdit } = useSession();
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 120);
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listCustomers({ query, pageSize: 25, pageToken });
      return { items: answer.customers, nextPageToken: answer.nextPageToken };
    },
    [api, query],
    aboutPeople,
  );
  const [id, setId] = useState("");
  const create = useAction();
  return (
    <Panel title="Customers" id="customers">
      <SearchBox id="customer-search" label="Search customers" value={search} onInput={setSearch} />
      {canEdit && (
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await create.run(() => api.flags.createCustomer({ id: id.trim() }))) setId("");
          }}
        >
          <div class="field">
            <label for="new-customer">New customer id</label>
            <input id="new-customer" value={id} required autocomplete="off" onInput={(e) => setId(e.currentTarget.value)} />
          </div>
          <button type="submit" class="primary" disabled={create.busy}>
            Create customer
          </button>
        </form>
      )}
      <ErrorNote message={create.error || list.error} />
      <ul class="list" data-testid="customers-list">
        {list.items.map((customer) => (
          <li key={customer.id} class={customer.id === props.selected ? "selected" : undefined}>
            <Link href={`/customers?customer=${encodeURIComponent(customer.id)}`} current={customer.id === props.selected}>
              {customer.id}
            </Link>
            <span class="muted">{timeText(customer.createTime)}</span>
          </li>
        ))}
      </ul>
      {list.loaded && list.items.length === 0 && <p class="empty">No customers{query ? " match" : ""}.</p>}
      <Pager label="Customers" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
    </Panel>
  );
}

function UserList() {
  const { api, canEdit } = useSession();
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 120);
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listUsers({ query, pageSize: 25, pageToken });
      return { items: answer.users, nextPageToken: answer.nextPageToken };
    },
    [api, query],
    aboutPeople,
  );
  const [id, setId] = useState("");
  const [customerId, setCustomerId] = useState("");
  const create = useAction();
  const remove = useAction();
  return (
    <Panel title="Users" id="users">
      <SearchBox id="user-search" label="Search users" value={search} onInput={setSearch} />
      {canEdit && (
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await create.run(() => api.flags.createUser({ id: id.trim(), customerId: customerId.trim() }))) setId("");
          }}
        >
          <div class="field">
            <label for="new-user">New user id</label>
            <input id="new-user" value={id} required autocomplete="off" onInput={(e) => setId(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="new-user-customer">Customer (optional)</label>
            <input id="new-user-customer" value={customerId} autocomplete="off" onInput={(e) => setCustomerId(e.currentTarget.value)} />
          </div>
          <button type="submit" class="primary" disabled={create.busy}>
            Create user
          </button>
        </form>
      )}
      <ErrorNote message={create.error || remove.error || list.error} />
      <ul class="list" data-testid="users-list">
        {list.items.map((user) => (
          <li key={user.id}>
            <Link href={`/explain?user=${encodeURIComponent(user.id)}`}>{user.id}</Link>
            <span class="muted">{user.customerId ? `of ${user.customerId}` : "no customer"}</span>
            {canEdit && (
              <button
                type="button"
                class="small danger"
                aria-label={`Delete user ${user.id}`}
                onClick={() => {
                  if (confirm(`Delete user ${user.id}? Its overrides and segment memberships go with it.`)) void remove.run(() => api.flags.deleteUser({ id: user.id }));
                }}
              >
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      {list.loaded && list.items.length === 0 && <p class="empty">No users{query ? " match" : ""}.</p>}
      <Pager label="Users" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
    </Panel>
  );
}

function CustomerDetails(props: { id: string }) {
  const { api, canEdit } = useSession();
  const features = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listFeaturesForCustomer({ customerId: props.id, pageSize: 25, pageToken });
      return { items: answer.features, nextPageToken: answer.nextPageToken };
    },
    [api, props.id],
  );
  const users = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listUsers({ customerId: props.id, pageSize: 25, pageToken });
      return { items: answer.users, nextPageToken: answer.nextPageToken };
    },
    [api, props.id],
    aboutPeople,
  );
  const remove = useAction();
  return (
    <Panel title={`Customer ${props.id}`} id="customer-details">
      <ErrorNote message={features.error} />
      <div class="two-columns">
        <div>
          <h3>Features on for this customer</h3>
          <ul class="list ids" data-testid="customer-features">
            {features.items.map((name) => (
              <li key={name}>
                <Link href={featurePath(name)}>{name}</Link>
              </li>
            ))}
          </ul>
          {features.loaded && features.items.length === 0 && <p class="empty">None.</p>}
          <Pager label="Customer features" page={features.page} hasNext={features.hasNext} onNext={features.next} onPrevious={features.previous} />
        </div>
        <div>
          <h3>Its users</h3>
          <ul class="list ids" data-testid="customer-users">
            {users.items.map((user) => (
              <li key={user.id}>{user.id}</li>
            ))}
          </ul>
          {users.loaded && users.items.length === 0 && <p class="empty">None.</p>}
          <Pager label="Customer users" page={users.page} hasNext={users.hasNext} onNext={users.next} onPrevious={users.previous} />
        </div>
      </div>
      {canEdit && (
        <ConfirmByName
          name={props.id}
          action="Delete customer"
          consequence={`Deleting removes customer ${props.id}, its overrides, its ${users.hasNext ? `${users.items.length}+ users` : plural(users.items.length, "user")} and their overrides, and their segment memberships.`}
          error={remove.error}
          onConfirm={async () => {
            if (await remove.run(() => api.flags.deleteCustomer({ id: props.id }))) navigate("/customers");
          }}
        />
      )}
    </Panel>
  );
}
