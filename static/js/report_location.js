// "Where is the problem?": adds "use my current location" and, when the council has
// configured map tiles (settings.MAP_TILE_URL), a Leaflet map to click on. Without this
// file (or without JavaScript) the postcode box does the same job. Nothing is fetched
// from another origin unless MAP_TILE_URL points there.
import { leafletMap } from "./leaflet_map.js";

const form = document.getElementById("location-form");

// Rough bounds of Oxfordshire: the map cannot be dragged far outside. The server
// checks the point against the real division boundaries whatever the browser sends.
const COUNTY_BOUNDS = [[51.45, -1.72], [52.17, -0.86]];
const COUNTY_CENTRE = [51.76, -1.26];

function setPoint(lat, lon, source) {
  form.elements.lat.value = lat.toFixed(6);
  form.elements.lon.value = lon.toFixed(6);
  form.elements.source.value = source;
  // A point replaces the postcode: the server uses the postcode only when no point is given.
  form.elements.postcode.value = "";
}

function say(text) {
  document.getElementById("location-status").textContent = text;
}

async function addMap(tileUrl) {
  const loaded = await leafletMap(document.getElementById("report-map"), tileUrl, form.dataset.tileAttribution,
    { maxBounds: COUNTY_BOUNDS, maxBoundsViscosity: 1.0, minZoom: 9 });
  if (!loaded) return; // Leaflet not served: the postcode and "use my location" still work.
  const { L, map } = loaded;
  map.setView(COUNTY_CENTRE, 10);
  let marker = null;
  map.on("click", (event) => {
    const { lat, lng } = event.latlng;
    setPoint(lat, lng, "map");
    if (marker) marker.setLatLng(event.latlng);
    else marker = L.marker(event.latlng, { keyboard: false }).addTo(map);
    say("Point chosen on the map. Select Continue to use it.");
  });
}

if (form) {
  const panel = document.getElementById("use-my-location");
  const button = document.getElementById("use-my-location-button");
  if ("geolocation" in navigator || form.dataset.tileUrl) panel.hidden = false;
  if (!("geolocation" in navigator)) button.hidden = true;
  button.addEventListener("click", () => {
    say("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setPoint(position.coords.latitude, position.coords.longitude, "device");
        say("Location found.");
        form.requestSubmit();
      },
      () => say("We could not find your location. Enter a postcode instead."),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  });
  if (form.dataset.tileUrl) addMap(form.dataset.tileUrl);
}
