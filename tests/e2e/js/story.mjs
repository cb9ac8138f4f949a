// The seed's story with the Azure SDK for JavaScript against a served Subplane (issue 12 item 7), one step a run:
//   node story.mjs <step> '<connection.json>' '<{"subscriptionId": ..., "billingAccount": ...}>'
// Each step prints one JSON line; an SDK error the step expects is reported as {"status", "code"}, any other throws.
import { ClientSecretCredential } from "@azure/identity";
import { SubscriptionClient as ResourcesSubscriptionClient } from "@azure/arm-resources-subscriptions";
import { SubscriptionClient as LifecycleClient } from "@azure/arm-subscriptions";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import { BlobServiceClient } from "@azure/storage-blob";

const [step, connectionJson, argsJson] = process.argv.slice(2);
const connection = JSON.parse(connectionJson);
const { subscriptionId, billingAccount } = JSON.parse(argsJson);
const owner = connection.principals.owner;
const credential = new ClientSecretCredential(connection.tenantId, owner.clientId, owner.clientSecret,
  { authorityHost: connection.authority, disableInstanceDiscovery: true });
const arm = { endpoint: connection.armEndpoint, credentialScopes: ["https://management.azure.com/.default"] };
const GROUP = "productie-rg";

// The SDK has no IgnoreResourceCheck parameter: a per-call policy adds it to the query, as a caller of the REST API would
const ignoreResourceCheck = {
  position: "perCall",
  policy: { name: "ignoreResourceCheck", sendRequest: (request, next) => {
    const url = new URL(request.url);
    url.searchParams.set("IgnoreResourceCheck", "true");
    request.url = url.toString();
    return next(request);
  } },
};

const lifecycle = (extra = {}) => new LifecycleClient(credential, { ...arm, ...extra });
const compute = () => new ComputeManagementClient(credential, subscriptionId, arm);
const network = () => new NetworkManagementClient(credential, subscriptionId, arm);
const resources = () => new ResourceManagementClient(credential, subscriptionId, arm);

async function refusal(call) {
  try {
    await call();
    return { status: null };
  } catch (error) {
    if (error.statusCode === undefined) throw error;
    return { status: error.statusCode, code: error.code };
  }
}

async function subscriptionState() {
  const sub = await new ResourcesSubscriptionClient(credential, arm).subscriptions.get(subscriptionId);
  return { state: sub.state, displayName: sub.displayName };
}

async function powerStates() {
  const states = {};
  for await (const vm of compute().virtualMachines.list(GROUP)) {
    const view = await compute().virtualMachines.instanceView(GROUP, vm.name);
    states[vm.name] = view.statuses.map((s) => s.code).find((code) => code.startsWith("PowerState/"));
  }
  return states;
}

async function addresses() {
  const found = {};
  for await (const ip of network().publicIPAddresses.list(GROUP)) {
    found[ip.name] = { address: ip.ipAddress ?? null, method: ip.publicIPAllocationMethod };
  }
  return found;
}

function blobs() {
  return new BlobServiceClient(`${connection.armEndpoint.replace(/\/$/, "")}/blob/contosodata`, credential)
    .getContainerClient("backups");
}

const steps = {
  async list() {
    const listed = [];
    for await (const sub of new ResourcesSubscriptionClient(credential, arm).subscriptions.list()) {
      listed.push({ id: sub.subscriptionId, name: sub.displayName, state: sub.state });
    }
    return { subscriptions: listed, addresses: await addresses(), power: await powerStates() };
  },
  async group() {
    await resources().resourceGroups.createOrUpdate("js-rg", { location: "westeurope", tags: { team: "js", env: "e2e" } });
    const group = await resources().resourceGroups.get("js-rg");
    return { name: group.name, tags: group.tags, provisioningState: group.properties?.provisioningState };
  },
  async cancelRefused() {
    return { ...await refusal(() => lifecycle().subscription.cancel(subscriptionId)), ...await subscriptionState() };
  },
  async cancel() {
    const answer = await lifecycle({ additionalPolicies: [ignoreResourceCheck] }).subscription.cancel(subscriptionId);
    return { subscriptionId: answer.subscriptionId, ...await subscriptionState() };
  },
  async turnedOff() {
    return { power: await powerStates(), addresses: await addresses() };
  },
  async writesRefused() {
    return {
      group: await refusal(() => resources().resourceGroups.createOrUpdate("js-late-rg", { location: "westeurope" })),
      start: await refusal(() => compute().virtualMachines.beginStartAndWait(GROUP, "web-01")),
    };
  },
  async blob() {
    const container = blobs();
    const names = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    const text = (await container.getBlobClient("leesmij.txt").downloadToBuffer()).toString("utf-8");
    const upload = await refusal(() => container.getBlockBlobClient("js-after-cancel.txt").upload("nope", 4));
    return { names, leesmij: text, upload };
  },
  async enable() {
    const answer = await lifecycle().subscription.enable(subscriptionId);
    return { subscriptionId: answer.subscriptionId, ...await subscriptionState() };
  },
  async start() {
    await compute().virtualMachines.beginStartAndWait(GROUP, "web-01");
    return { power: await powerStates(), addresses: await addresses() };
  },
  async rename() {
    const answer = await lifecycle().subscription.rename(subscriptionId, { subscriptionName: "Productie (JS)" });
    return { subscriptionId: answer.subscriptionId, ...await subscriptionState() };
  },
  async alias() {
    const created = await lifecycle().alias.beginCreateAndWait("js-vended", { properties: {
      displayName: "Vended by JS", workload: "Production",
      billingScope: `/providers/Microsoft.Billing/billingAccounts/${billingAccount}` } });
    const got = await lifecycle().alias.get("js-vended");
    return { created: created.properties, got: got.properties };
  },
};

if (!(step in steps)) throw new Error(`unknown step ${step}; steps: ${Object.keys(steps).join(", ")}`);
console.log(JSON.stringify(await steps[step]()));
