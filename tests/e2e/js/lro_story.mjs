// The Azure SDK for JavaScript against Subplane: listAll at the SDK's own api-version and the LROs whose final
// Location poll must answer a status the operation declares (issue 12). Prints one JSON line of results.
import { ClientSecretCredential } from "@azure/identity";
import { ComputeManagementClient } from "@azure/arm-compute";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";

const [connectionJson, subscriptionId] = process.argv.slice(2);
const connection = JSON.parse(connectionJson);
const owner = connection.principals.owner;
const credential = new ClientSecretCredential(connection.tenantId, owner.clientId, owner.clientSecret,
  { authorityHost: connection.authority, disableInstanceDiscovery: true });
const options = { endpoint: connection.armEndpoint, credentialScopes: ["https://management.azure.com/.default"] };

const compute = new ComputeManagementClient(credential, subscriptionId, options);
const resources = new ResourceManagementClient(credential, subscriptionId, options);
const network = new NetworkManagementClient(credential, subscriptionId, options);
const vms = [];
for await (const vm of compute.virtualMachines.listAll()) vms.push(vm.name);
await compute.virtualMachines.beginDeallocateAndWait("productie-rg", "web-01");
const deallocated = await compute.virtualMachines.instanceView("productie-rg", "web-01");
await compute.virtualMachines.beginStartAndWait("productie-rg", "web-01");
const started = await compute.virtualMachines.instanceView("productie-rg", "web-01");
await resources.resourceGroups.createOrUpdate("js-rg", { location: "westeurope", tags: { made: "js" } });
const ip = await network.publicIPAddresses.beginCreateOrUpdateAndWait("js-rg", "js-ip",
  { location: "westeurope", sku: { name: "Standard" }, publicIPAllocationMethod: "Static" });
await network.publicIPAddresses.beginDeleteAndWait("js-rg", "js-ip");
const ipsLeft = [];
for await (const left of network.publicIPAddresses.list("js-rg")) ipsLeft.push(left.name);
await resources.resourceGroups.beginDeleteAndWait("js-rg");
const stillThere = await resources.resourceGroups.checkExistence("js-rg");
const codes = (view) => view.statuses.map((s) => s.code);
console.log(JSON.stringify({ vms, deallocated: codes(deallocated), started: codes(started),
                             groupExists: stillThere.body,
                             ip: { name: ip.name, address: ip.ipAddress ?? null, left: ipsLeft } }));
