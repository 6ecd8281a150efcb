// "Reports near you": when the council has configured map tiles (settings.MAP_TILE_URL), shows the
// reports in the table on a Leaflet map. The table is the page: it has everything the map has,
// and it is what screen-reader, keyboard and no-JavaScript users read.
import { leafletMap } from "./leaflet_map.js";

const panel = document.getElementById("around-map");

async function addMap() {
  const loaded = await leafletMap(panel, panel.dataset.tileUrl, panel.dataset.tileAttribution, { keyboard: false });
  if (!loaded) return; // Leaflet not served: the table still lists every report.
  const { L, map } = loaded;
  map.setView([Number(panel.dataset.lat), Number(panel.dataset.lon)], 15);
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
