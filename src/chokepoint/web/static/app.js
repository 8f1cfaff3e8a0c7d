// Draws every chart embedded in the page and drives scenario runs and plans. Text from the server is
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

// Polls a job until it ends: done → `whenDone(runId)`; failed or cancelled → `button` works again.
async function pollJob(jobId, button, whenDone) {
  const bar = document.getElementById("run-progress");
  for (;;) {
    const res = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`);
    const job = await res.json();
    if (job.total > 0) { bar.max = job.total; bar.value = job.done; }
    if (job.state === "done") {
      setStatus(`done: ${job.run_id}`);
      whenDone(job.run_id);
      return;
    }
    if (job.state === "failed" || job.state === "cancelled") {
      setStatus(`${job.state}: ${job.error || ""}`); bar.hidden = true;
      document.getElementById("cancel-button").hidden = true;
      button.disabled = false;
      return;
    }
    setStatus(`${job.state} ${job.done}/${job.total || "?"}`);
    await new Promise(r => setTimeout(r, 300));
  }
}

// Posts a job to `url`; shows its progress with a Cancel button, then calls `whenDone(runId)`.
async function submitJob(button, url, body, whenDone) {
  button.disabled = true;
  document.getElementById("run-progress").hidden = false;
  setStatus("queued");
  const res = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                body: JSON.stringify(body)});
  const job = await res.json();
  if (!res.ok) {
    const detail = Array.isArray(job.detail) ? job.detail.map(d => `${d.loc.slice(-1)}: ${d.msg}`).join("; ")
                                             : (job.detail || "");
    setStatus(`refused: ${job.message || detail || res.status}${job.hint ? ` (${job.hint})` : ""}`);
    document.getElementById("run-progress").hidden = true;
    button.disabled = false;
    return;
  }
  const cancel = document.getElementById("cancel-button");
  cancel.hidden = false;
  cancel.onclick = () => fetch(`/api/runs/${encodeURIComponent(job.job_id)}`, {method: "DELETE"});
  await pollJob(job.job_id, button, whenDone);
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
  await submitJob(button, "/api/runs", body, runId => {
    window.location.assign(`/scenario?${new URLSearchParams({run: runId, name: scenario, country: country})}`);
  });
}

async function startPlan(button) {
  const scenario = button.dataset.scenario, country = button.dataset.country;
  const body = {scenario, country, budget: Number(document.getElementById("plan-budget").value),
                currency: document.getElementById("plan-currency").value,
                risk: document.getElementById("plan-risk").value,
                n: Number(document.getElementById("plan-n").value),
                seed: Number(document.getElementById("plan-seed").value || 0)};
  await submitJob(button, "/api/plans", body, runId => {
    window.location.assign(`/plan?${new URLSearchParams({run: runId, name: scenario, country: country})}`);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts(document);
  const button = document.getElementById("run-button");
  if (button) button.addEventListener("click", () => startRun(button, false));
  const mc = document.getElementById("mc-button");
  if (mc) mc.addEventListener("click", () => startRun(mc, true));
  const plan = document.getElementById("plan-button");
  if (plan) plan.addEventListener("click", () => startPlan(plan));
  // no inline handlers: the Content-Security-Policy forbids them
  for (const picker of document.querySelectorAll("select[data-autosubmit]")) {
    picker.addEventListener("change", () => picker.form.submit());
  }
});
