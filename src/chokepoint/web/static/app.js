// Draws every chart embedded in the page and drives scenario runs. Text from the server is
// only ever set with textContent, never parsed as HTML.
"use strict";

function drawCharts(root) {
  for (const el of root.querySelectorAll("div.chart[data-figure]")) {
    const fig = JSON.parse(document.getElementById(el.dataset.figure).textContent);
    Plotly.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false});
  }
}

function setStatus(text) {
  document.getElementById("run-status").textContent = text;
}

async function pollJob(jobId, scenario, country) {
  const bar = document.getElementById("run-progress");
  for (;;) {
    const res = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`);
    const job = await res.json();
    if (job.total > 0) { bar.max = job.total; bar.value = job.done; }
    if (job.state === "done") {
      setStatus(`done: ${job.run_id}`);
      const q = new URLSearchParams({run: job.run_id, name: scenario, country: country});
      window.location.assign(`/scenario?${q}`);
      return;
    }
    if (job.state === "failed" || job.state === "cancelled") {
      setStatus(`${job.state}: ${job.error || ""}`); bar.hidden = true;
      document.getElementById("cancel-button").hidden = true;
      document.getElementById("run-button").disabled = false;
      return;
    }
    setStatus(`${job.state} ${job.done}/${job.total || "?"}`);
    await new Promise(r => setTimeout(r, 300));
  }
}

async function startRun(button, montecarlo) {
  const scenario = button.dataset.scenario, country = button.dataset.country;
  const body = {scenario, country, engine: document.getElementById("engine").value};
  if (montecarlo) {
    body.engine = "fast";
    body.draws = Number(document.getElementById("mc-draws").value);
    const seed = document.getElementById("mc-seed").value;
    if (seed !== "") body.seed = Number(seed);
  }
  const specBox = document.getElementById("spec");
  if (specBox && specBox.value.trim() !== specBox.defaultValue.trim()) {
    try { body.spec = JSON.parse(specBox.value); }
    catch (e) { setStatus(`the specification is not valid JSON: ${e.message}`); return; }
  }
  button.disabled = true;
  document.getElementById("run-progress").hidden = false;
  setStatus("queued");
  const res = await fetch("/api/runs", {method: "POST", headers: {"Content-Type": "application/json"},
                                        body: JSON.stringify(body)});
  const job = await res.json();
  if (!res.ok) {
    setStatus(`refused: ${job.message || job.detail || res.status}`);
    button.disabled = false;
    return;
  }
  const cancel = document.getElementById("cancel-button");
  cancel.hidden = false;
  cancel.onclick = () => fetch(`/api/runs/${encodeURIComponent(job.job_id)}`, {method: "DELETE"});
  await pollJob(job.job_id, scenario, country);
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts(document);
  const button = document.getElementById("run-button");
  if (button) button.addEventListener("click", () => startRun(button, false));
  const mc = document.getElementById("mc-button");
  if (mc) mc.addEventListener("click", () => startRun(mc, true));
  // no inline handlers: the Content-Security-Policy forbids them
  for (const picker of document.querySelectorAll("select[data-autosubmit]")) {
    picker.addEventListener("change", () => picker.form.submit());
  }
});
