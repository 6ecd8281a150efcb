// The one place pages load Leaflet (served from static/leaflet/, never another origin) and
// show a map panel. Returns null when Leaflet is not served: every page that calls this
// works without the map.
export async function leafletMap(element, tileUrl, attribution, options = {}) {
  let L;
  try {
    L = await import("../leaflet/leaflet-src.esm.js");
  } catch (error) {
    return null;
  }
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("../leaflet/leaflet.css", import.meta.url).href;
  document.head.appendChild(css);
  // Leaflet guesses its marker images' folder from its CSS, which is not loaded yet when a marker is made.
  L.Icon.Default.imagePath = new URL("../leaflet/images/", import.meta.url).href;
  element.hidden = false;
  element.style.height = "24rem"; // set from script: CSP allows no inline style attributes
  const map = L.map(element, options);
  L.tileLayer(tileUrl, { maxZoom: 19, attribution: attribution || "" }).addTo(map);
  return { L, map };
}
