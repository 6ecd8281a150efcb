// "Reports near you": when the council has configured map tiles (settings.MAP_TILE_URL), shows the
// reports in the table on a Leaflet map. The table is the page: it has everything the map has,
// and it is what screen-reader, keyboard and no-JavaScript users read.
const panel = document.getElementById("around-map");

async function addMap() {
  let L;
  try {
    L = await import("../leaflet/leaflet-src.esm.js");
  } catch (error) {
    return; // Leaflet not served: the table still lists every report.
  }
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("../leaflet/leaflet.css", import.meta.url).href;
  document.head.appendChild(css);
  L.Icon.Default.imagePath = new URL("../leaflet/images/", import.meta.url).href;
  panel.hidden = false;
  panel.style.height = "24rem"; // from script: CSP allows no inline style attributes
  const centre = [Number(panel.dataset.lat), Number(panel.dataset.lon)];
  const map = L.map(panel, { keyboard: false }).setView(centre, 15);
  L.tileLayer(panel.dataset.tileUrl, { maxZoom: 19, attribution: panel.dataset.tileAttribution || "" }).addTo(map);
  const rows = document.querySelectorAll("#reports-list tr[data-lat]");
  rows.forEach((row) => {
    const link = row.querySelector("a");
    const marker = L.marker([Number(row.dataset.lat), Number(row.dataset.lon)], { keyboard: false, title: link.textContent })
      .addTo(map);
    const popup = document.createElement("a");
    popup.href = link.href;
    popup.className = "govuk-link";
    popup.textContent = `${link.textContent}: ${row.dataset.summary}`;
    marker.bindPopup(popup);
  });
  panel.dataset.markers = String(rows.length);
}

if (panel && panel.dataset.tileUrl) addMap();
