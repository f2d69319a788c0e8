// A local fleet of relays (`npm --prefix local start -- --relays 3`): each relay named and labelled with an Azure
// region, with its own echo backend, all listed to each other (Relay__Fleet__*) and to the Worker (RELAYS), as
// the infra program lists a fleet stack's relays (/work contract; relay/README.md "A fleet of relays";
// worker-src/README.md "A fleet of relays"). The caller's place is what request.cf says in workerd: Miniflare
// reads it from the file CLOUDFLARE_CF_FETCH_PATH names (miniflare setupCf, wrangler 4.86), so the local Worker
// sees a caller where the launcher puts it (default: Paris).

/**
 * The regions local relays are labelled with, in order, and their coordinates (Azure's published region
 * locations, as the infra program's table has them). With a caller in Paris, westeurope and northeurope (~750 km
 * apart) are one tier of the chooser (within 1,000 km of the nearest) and share calls by load; eastus is the next
 * tier, reached only when both are out; the others further still.
 */
export const LOCAL_REGIONS = [
  { name: 'weu', region: 'westeurope', latitude: 52.3667, longitude: 4.9 },
  { name: 'neu', region: 'northeurope', latitude: 53.3478, longitude: -6.2597 },
  { name: 'eus', region: 'eastus', latitude: 37.3719, longitude: -79.8164 },
  { name: 'aue', region: 'australiaeast', latitude: -33.86, longitude: 151.2094 },
  { name: 'sea', region: 'southeastasia', latitude: 1.283, longitude: 103.833 },
];

export const MAX_LOCAL_RELAYS = LOCAL_REGIONS.length;

/** Where the local Worker's callers are (request.cf): Paris. */
export const DEFAULT_CALLER = { city: 'Paris', country: 'FR', continent: 'EU', latitude: '48.8566', longitude: '2.3522' };

/** The Relay__Fleet__* lines every member gets, and Relay__Name for `self`. */
export function fleetEnv(members, self) {
  const env = { Relay__Name: self.name };
  members.forEach((m, i) => {
    env[`Relay__Fleet__${i}__Name`] = m.name;
    env[`Relay__Fleet__${i}__Url`] = m.http;
    env[`Relay__Fleet__${i}__Region`] = m.region;
    env[`Relay__Fleet__${i}__Latitude`] = String(m.latitude);
    env[`Relay__Fleet__${i}__Longitude`] = String(m.longitude);
  });
  return env;
}

/** The Worker's RELAYS binding for `members`. */
export function relaysBinding(members) {
  return JSON.stringify(members.map(({ name, http, region, latitude, longitude }) => ({ name, url: http, region, latitude, longitude })));
}

/** The request.cf object Miniflare hands the Worker: its own placeholder's shape with the caller's place. */
export function cfObject(caller = DEFAULT_CALLER) {
  return {
    asn: 395747, colo: 'CDG', city: caller.city, country: caller.country, continent: caller.continent,
    latitude: caller.latitude, longitude: caller.longitude, timezone: 'Europe/Paris', httpProtocol: 'HTTP/1.1',
    clientTcpRtt: 0, tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES128-GCM-SHA256',
  };
}
