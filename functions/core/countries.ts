/**
 * A lead's country as an ISO 3166-1 alpha-2 code, from what people and tools
 * actually send: a code in any case ("de", "DE"), an English name ("Germany",
 * "United States"), a common native name ("Deutschland", "México", "Brasil"),
 * an abbreviation or alpha-3 code ("USA", "U.S.", "UK", "DEU"). Compared
 * without case, accents, punctuation or a leading "the". Pure, no data beyond
 * Intl's English region names and the small table below.
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const shortRegionNames = new Intl.DisplayNames(['en'], { type: 'region', style: 'short', fallback: 'none' });

// Codes Intl names that are not countries of ISO 3166-1: groupings (EU, UN), exceptional
// reservations (UK, AC, IC…), pseudo-locales and codes withdrawn from the standard (YU, SU…).
// Kosovo (XK) stays: the code everyone uses for it.
const notCountries = new Set('AC AN BU CP CQ CS DD DG DY EA EU EZ FX HV IC NH NT QO RH SU TA TP UK UN VD XA XB YD YU ZR ZZ'.split(' '));

/** Whether `code` is an ISO 3166-1 alpha-2 country code (upper case) Intl knows. */
export function isCountryCode(code: string): boolean {
  try {
    return /^[A-Z]{2}$/.test(code) && !notCountries.has(code) && regionNames.of(code) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Other names, per code: the alpha-3 code, common abbreviations and native
 * names, and English forms Intl does not give. Every country of
 * config/routing.json's regions and the big markets; kept small on purpose
 * (a name not here and not Intl's English one routes by the default rule).
 */
export const countryAliases: Readonly<Record<string, readonly string[]>> = {
  US: ['USA', 'U.S.', 'U.S.A.', 'United States of America', 'Estados Unidos', 'États-Unis', 'Vereinigte Staaten'],
  CA: ['CAN', 'Kanada'],
  MX: ['MEX', 'México', 'Estados Unidos Mexicanos', 'Méjico'],
  BR: ['BRA', 'Brasil', 'República Federativa do Brasil'],
  GB: ['GBR', 'UK', 'U.K.', 'Great Britain', 'Britain', 'England', 'Scotland', 'Wales', 'Northern Ireland', 'United Kingdom of Great Britain and Northern Ireland', 'Vereinigtes Königreich', 'Royaume-Uni', 'Reino Unido'],
  IE: ['IRL', 'Éire', 'Republic of Ireland', 'Irland'],
  DE: ['DEU', 'Deutschland', 'Bundesrepublik Deutschland', 'Federal Republic of Germany', 'BRD', 'Allemagne', 'Alemania', 'Germania'],
  AT: ['AUT', 'Österreich', 'Oesterreich', 'Republik Österreich', 'Autriche'],
  CH: ['CHE', 'Schweiz', 'Suisse', 'Svizzera', 'Svizra', 'Swiss Confederation', 'Confoederatio Helvetica', 'Helvetia'],
  FR: ['FRA', 'Frankreich', 'République française'],
  ES: ['ESP', 'España', 'Spanien', 'Espagne'],
  IT: ['ITA', 'Italia', 'Italien'],
  NL: ['NLD', 'Nederland', 'Holland', 'Niederlande', 'Pays-Bas'],
  BE: ['BEL', 'Belgique', 'België', 'Belgien'],
  LU: ['LUX', 'Luxemburg'],
  SE: ['SWE', 'Sverige', 'Schweden'],
  NO: ['NOR', 'Norge', 'Noreg', 'Norwegen'],
  DK: ['DNK', 'Danmark', 'Dänemark'],
  FI: ['FIN', 'Suomi', 'Finnland'],
  PL: ['POL', 'Polska', 'Polen'],
  PT: ['PRT'],
  CZ: ['CZE', 'Czech Republic', 'Česko', 'Česká republika', 'Tschechien'],
  TR: ['TUR', 'Turkey', 'Türkiye'],
  JP: ['JPN', 'Nippon', 'Nihon', 'Japan'],
  CN: ['CHN', 'PRC', "People's Republic of China", 'Zhongguo'],
  IN: ['IND', 'Bharat', 'Republic of India'],
  AU: ['AUS', 'Australien'],
  NZ: ['NZL', 'Aotearoa'],
  KR: ['KOR', 'Korea', 'Republic of Korea', 'South Korea'],
  SG: ['SGP', 'Singapur'],
  AE: ['ARE', 'UAE', 'U.A.E.', 'Emirates'],
  ZA: ['ZAF', 'RSA'],
  IL: ['ISR'],
  HK: ['HKG', 'Hong Kong'],
};

/** The form names are compared in: no accents, lower case, "&" as "and", punctuation dropped, one space, no leading "the". */
export function countryKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[.'’`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^the /, '');
}

let byKey: Map<string, string> | undefined;

function keys(): Map<string, string> {
  if (byKey) return byKey;
  const map = new Map<string, string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (!isCountryCode(code)) continue;
      for (const name of [regionNames.of(code), shortRegionNames.of(code)]) if (name) map.set(countryKey(name), code);
    }
  }
  // The table last: where Intl's short names and it disagree, the table is what was meant.
  for (const [code, names] of Object.entries(countryAliases)) for (const name of names) map.set(countryKey(name), code);
  return (byKey = map);
}

/** The country a value names, as an ISO alpha-2 code; undefined for anything else (not text, a grouping, unknown). */
export function countryOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const key = countryKey(value);
  if (key === '') return undefined;
  if (/^[a-z]{2}$/.test(key) && isCountryCode(key.toUpperCase())) return key.toUpperCase();
  return keys().get(key);
}

/**
 * The lead's country: its `country` trait, else Segment's standard
 * `address.country` (an identify's `traits.address`, kept whole on the lead).
 * The first that names a country wins; a `country` nobody knows does not hide
 * a good `address.country`.
 */
export function leadCountry(traits: Readonly<Record<string, unknown>>): string | undefined {
  const address = traits.address;
  const fromAddress = address !== null && typeof address === 'object' && !Array.isArray(address) ? (address as Record<string, unknown>).country : undefined;
  return countryOf(traits.country) ?? countryOf(fromAddress);
}
