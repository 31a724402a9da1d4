/* sitegen default theme: the search page. Queries the Pagefind bundles the build wrote into
   pagefind/ on this site (no server, no third-party requests). ?q=, ?section= and ?author=
   fill the form, so the header search box and shared links land on results. */
(function () {
  "use strict";
  var box = document.querySelector("[data-search]");
  if (!box) return;
  var form = box.querySelector("form");
  var input = form.querySelector("input[name=q]");
  var selects = form.querySelectorAll("select[data-filter]");
  var status = box.querySelector("[data-search-status]");
  var list = box.querySelector("[data-search-results]");
  var more = box.querySelector("[data-search-more]");
  var PAGE = 10, SHARD = "_shard";
  var pagefind = null, shards = [], results = [], shown = 0, run = 0, timer = 0;
  var total = 0, queue = [], browsing = {};

  /* Section and author names as the index holds them (sitegen/render/search_record.py,
     filter_value): white space (this class is the same there) runs as one space. Pagefind
     matches what a search sends against its JSON text, and reports values JSON-escaped:
     nameOf() turns those back into the names. */
  var SPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

  function key(name) {
    return (name || "").replace(SPACE, " ").replace(/^ | $/g, "");
  }

  function nameOf(value) {
    try {
      return JSON.parse('"' + value + '"');
    } catch (e) {
      return value;
    }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function filters() {
    var chosen = {};
    for (var i = 0; i < selects.length; i++) {
      if (selects[i].value) chosen[selects[i].getAttribute("data-filter")] = key(selects[i].value);
    }
    return chosen;
  }

  function remember(q, chosen) {
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    for (var key in chosen) params.set(key, chosen[key]);
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  function describe(count, q, chosen) {
    var what = count === 1 ? "1 story" : count.toLocaleString() + " stories";
    if (!count) what = "No stories";
    var text = what + (q ? " for “" + q + "”" : "");
    if (chosen.section) text += " in " + chosen.section;
    if (chosen.author) text += " by " + chosen.author;
    return text + ".";
  }

  function render(data) {
    var item = el("li", "search-result");
    var body = el("div", "search-result-body");
    var meta = data.meta || {}, tags = data.filters || {};
    if (tags.section) body.appendChild(el("p", "kicker", tags.section.map(nameOf).join(", ")));
    var heading = el("h2", "card-title");
    var link = el("a", "", meta.title || data.url);
    link.href = data.url;
    heading.appendChild(link);
    body.appendChild(heading);
    var excerpt = el("p", "search-excerpt");
    /* Pagefind's excerpt is escaped text with <mark> around hits; keep only those tags. */
    excerpt.innerHTML = (data.excerpt || "").replace(/<(?!\/?mark>)/g, "&lt;");
    body.appendChild(excerpt);
    var line = el("p", "card-meta");
    if (tags.author) {
      line.appendChild(el("span", "byline", "By " + tags.author.map(nameOf).join(" and ")));
    }
    if (meta.date) line.appendChild(el("span", "search-date", meta.date));
    body.appendChild(line);
    item.appendChild(body);
    if (meta.image) {
      var img = el("img", "search-thumb");
      img.src = meta.image;
      img.alt = "";
      img.width = 96;
      img.height = 64;
      img.loading = "lazy";
      img.decoding = "async";
      item.appendChild(img);
      item.className += " has-image";
    }
    return item;
  }

  /* Browsing without words lists stories newest first. One search over all shards would rank
     them by score, so shards (newest first, each sorted by date) are read in turn as needed. */
  async function browse(ticket, chosen) {
    var found = await pagefind.search(null, { filters: chosen });
    if (ticket !== run || !found) return;
    var counts = (found.filters && found.filters[SHARD]) || {};
    queue = shards.filter(function (name) { return counts[name]; });
    browsing = chosen;
    total = 0;
    for (var name in counts) total += counts[name];
    await showMore(ticket);
    if (ticket === run) status.textContent = describe(total, "", chosen);
  }

  async function showMore(ticket) {
    while (queue.length && results.length < shown + PAGE) {
      var only = {};
      for (var key in browsing) only[key] = browsing[key];
      only[SHARD] = queue.shift();
      var part = await pagefind.search(null, { filters: only, sort: { date: "desc" } });
      if (ticket !== run) return;
      results = results.concat(part.results);
    }
    var next = results.slice(shown, shown + PAGE);
    shown += next.length;
    var data = await Promise.all(next.map(function (r) { return r.data(); }));
    if (ticket !== run) return;
    for (var i = 0; i < data.length; i++) list.appendChild(render(data[i]));
    more.hidden = shown >= total;
  }

  async function search() {
    var ticket = ++run;
    var q = input.value.trim(), chosen = filters();
    remember(q, chosen);
    list.textContent = "";
    more.hidden = true;
    results = [];
    queue = [];
    shown = total = 0;
    if (!q && !Object.keys(chosen).length) {
      status.textContent = "";
      return;
    }
    if (!pagefind) return;
    status.textContent = "Searching…";
    if (!q) return browse(ticket, chosen);
    var found = await pagefind.search(q, { filters: chosen });
    if (ticket !== run || !found) return;
    results = found.results;
    total = results.length;
    await showMore(ticket);
    /* Announced once the first results are on the page. */
    if (ticket === run) status.textContent = describe(total, q, chosen);
  }

  function fill(select, counts) {
    var values = Object.keys(counts || {}).sort(function (a, b) {
      return nameOf(a).localeCompare(nameOf(b));
    });
    for (var i = 0; i < values.length; i++) {
      var option = el("option", "", nameOf(values[i]) + " (" + counts[values[i]] + ")");
      option.value = nameOf(values[i]);
      select.appendChild(option);
    }
  }

  function choose(select, wanted) {
    for (var i = 0; i < select.options.length; i++) {
      select.options[i].selected = key(select.options[i].value) === key(wanted);
    }
  }

  async function start() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    try {
      /* One Pagefind bundle per period, newest first (pagefind/index.json), merged into one
         search; each is tagged with a filter naming it, for browse(). */
      var bundle = box.getAttribute("data-bundle");
      var listing = await fetch(bundle + "index.json");
      if (!listing.ok) throw new Error("no search index");
      shards = (await listing.json()).shards;
      var options = function (name) {
        var tag = {};
        tag[SHARD] = name;
        return { baseUrl: box.getAttribute("data-base"), excerptLength: 30, mergeFilter: tag };
      };
      pagefind = await import(bundle + shards[0] + "/pagefind.js");
      await pagefind.options(options(shards[0]));
      await Promise.all(shards.slice(1).map(function (name) {
        return pagefind.mergeIndex(bundle + name + "/", options(name));
      }));
      /* The page lists the choices (and counts) when the theme renders them; asking Pagefind
         instead fetches every shard's filter files. */
      var all = null;
      for (var i = 0; i < selects.length; i++) {
        var key = selects[i].getAttribute("data-filter");
        if (selects[i].options.length <= 1) {
          all = all || await pagefind.filters();
          fill(selects[i], all[key]);
        }
        choose(selects[i], params.get(key));
      }
      form.querySelector("[data-search-filters]").hidden = false;
    } catch (e) {
      pagefind = null;
      status.textContent = "Search is not available yet.";
      return;
    }
    await search();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  for (var i = 0; i < selects.length; i++) selects[i].addEventListener("change", search);
  more.addEventListener("click", function () { showMore(run); });
  start();
})();
