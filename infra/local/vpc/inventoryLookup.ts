/**
 * The inventory's resources by id. A fleet-scale inventory holds tens of thousands of ENIs and instances, and
 * a Create looks up each of its sources and its target: a search of the arrays per look-up cost the emulator
 * more than the product's own work. Built once per inventory (a new inventory is a new object) and rebuilt
 * should an array be replaced or change length. Nothing edits an item's id or region in place; something that
 * did would have to hand the model a new inventory object (`TrafficMirrorModel.setInventory`).
 */
import type { Inventory } from './inventory.js';

type Eni = Inventory['networkInterfaces'][number];
type Instance = Inventory['instances'][number];
type LoadBalancer = Inventory['loadBalancers'][number];
type Filter = Inventory['filters'][number];

interface Lookup {
  arrays: readonly unknown[][];
  lengths: number[];
  enis: Map<string, Eni>;
  instances: Map<string, Instance>;
  loadBalancers: Map<string, LoadBalancer>;
  filters: Map<string, Filter>;
}

const lookups = new WeakMap<Inventory, Lookup>();

const inRegion = (regionId: string, id: string) => `${regionId}\u0000${id}`;

/** The first item with each key, as `Array.prototype.find` would answer. */
function byKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!map.has(k)) map.set(k, item);
  }
  return map;
}

function lookupOf(inventory: Inventory): Lookup {
  const arrays = [
    inventory.networkInterfaces,
    inventory.instances,
    inventory.loadBalancers,
    inventory.filters,
  ];
  const known = lookups.get(inventory);
  if (known?.arrays.every((a, i) => a === arrays[i] && a.length === known.lengths[i])) return known;
  const lookup: Lookup = {
    arrays,
    lengths: arrays.map((a) => a.length),
    enis: byKey(inventory.networkInterfaces, (e) => inRegion(e.regionId, e.id)),
    instances: byKey(inventory.instances, (i) => i.id),
    loadBalancers: byKey(inventory.loadBalancers, (l) => l.id),
    filters: byKey(inventory.filters, (f) => inRegion(f.regionId, f.id)),
  };
  lookups.set(inventory, lookup);
  return lookup;
}

export const findEni = (inventory: Inventory, regionId: string, id: string): Eni | undefined =>
  lookupOf(inventory).enis.get(inRegion(regionId, id));

export const findInstance = (inventory: Inventory, id: string | undefined): Instance | undefined =>
  id === undefined ? undefined : lookupOf(inventory).instances.get(id);

/** By id alone: an SLB of another region is a different refusal from an unknown one. */
export const findLoadBalancer = (inventory: Inventory, id: string): LoadBalancer | undefined =>
  lookupOf(inventory).loadBalancers.get(id);

export const findFilter = (inventory: Inventory, regionId: string, id: string): Filter | undefined =>
  lookupOf(inventory).filters.get(inRegion(regionId, id));
