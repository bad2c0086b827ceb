/**
 * The page's state in its URL: every panel contributes its controls as query
 * parameters, written with `history.replaceState` as they change, so a reload or a
 * shared link shows the same layer. Text fields are stored as typed, errors included.
 */

type Source = () => [string, string][];

const sources: Source[] = [];
let pending = 0;

/** The query parameters the page was opened with. */
export function initialParams(): URLSearchParams {
  return new URLSearchParams(location.search);
}

/** Adds a panel's parameters to the URL; `read` is called on every save. */
export function addUrlSource(read: Source): void {
  sources.push(read);
}

/** The URL of the current state. */
export function stateUrl(): string {
  const params = new URLSearchParams();
  for (const read of sources) for (const [k, v] of read()) params.append(k, v);
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
}

/** Writes the state to the URL at the next frame (many changes in one frame write once). */
export function saveUrl(): void {
  if (pending) return;
  pending = requestAnimationFrame(() => {
    pending = 0;
    const url = stateUrl();
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
  });
}

/** A static control's value under `key`, left out while it has its default. */
export interface UrlControl {
  key: string;
  el: HTMLInputElement | HTMLSelectElement;
}

/** The parameters of static controls (checkboxes as 1/0), defaults left out. */
export function controlParams(controls: readonly UrlControl[]): [string, string][] {
  const out: [string, string][] = [];
  for (const { key, el } of controls) {
    const value = el instanceof HTMLInputElement && el.type === 'checkbox' ? (el.checked ? '1' : '0') : el.value;
    const def =
      el instanceof HTMLInputElement
        ? el.type === 'checkbox'
          ? el.defaultChecked
            ? '1'
            : '0'
          : el.defaultValue
        : ([...el.options].find((o) => o.defaultSelected)?.value ?? el.options[0]?.value);
    if (value !== def) out.push([key, value]);
  }
  return out;
}

/** Sets static controls from URL parameters; a select ignores a value it does not offer. */
export function restoreControls(controls: readonly UrlControl[], params: URLSearchParams): void {
  for (const { key, el } of controls) {
    const value = params.get(key);
    if (value === null) continue;
    if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = value === '1';
    else if (el instanceof HTMLSelectElement) {
      if ([...el.options].some((o) => o.value === value)) el.value = value;
    } else el.value = value;
  }
}

/** Puts static controls back to their defaults (the values in the HTML). */
export function resetControls(controls: readonly UrlControl[]): void {
  for (const { el } of controls) {
    if (el instanceof HTMLInputElement) {
      if (el.type === 'checkbox') el.checked = el.defaultChecked;
      else el.value = el.defaultValue;
    } else {
      const def = [...el.options].find((o) => o.defaultSelected) ?? el.options[0];
      if (def) el.value = def.value;
    }
  }
}
