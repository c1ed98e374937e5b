// k8s-check.mjs: checks the Kubernetes manifests offline (no cluster, no
// kubectl): every resource a kustomization lists is parsed and validated
// against the Kubernetes API schemas (npm kubernetes-models), then against
// the rules walink depends on (issue 15): one account per StatefulSet pod
// with its own volume, wa-probe probes, a grace period long enough for a
// clean close, workers found through a headless Service that publishes
// not-ready pods, IPC ports reachable only from wa-control, and a sessions
// list whose ids, hosts and ports match the StatefulSet and the Service.
// Prints one line per check and "N passed, N failed".
// Usage: node scripts/lib/k8s-check.mjs [DIR]   (default deploy/k8s)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
// the npm packages live with the tests' (tests/package.json); ESM only
const mod = (p) => import(pathToFileURL(path.join(repo, 'tests', 'node_modules', p)).href);
const YAML = (await mod('yaml/dist/index.js')).default;
const models = {
	'v1': await mod('kubernetes-models/v1/index.js'),
	'apps/v1': await mod('kubernetes-models/apps/v1/index.js'),
	'networking.k8s.io/v1': await mod('kubernetes-models/networking.k8s.io/v1/index.js'),
};

const dir = path.resolve(process.argv[2] || path.join(repo, 'deploy', 'k8s'));
let passed = 0, failed = 0;
const check = (ok, what) => {
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
	if (ok) passed++; else failed++;
	return ok;
};

const kust = YAML.parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
const docs = [];
for (const f of kust.resources || [])
	for (const d of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
		check(d.errors.length === 0, `${f}: YAML parses`);
		if (d.contents) docs.push({ file: f, obj: d.toJS() });
	}
for (const g of kust.configMapGenerator || []) {
	const data = {};
	for (const spec of g.files || []) {
		const [key, file] = spec.includes('=') ? spec.split('=') : [path.basename(spec), spec];
		data[key] = fs.readFileSync(path.join(dir, file), 'utf8');
	}
	docs.push({ file: 'configMapGenerator', obj: { apiVersion: 'v1', kind: 'ConfigMap',
	    metadata: { name: g.name }, data } });
}

// 1. the API schemas
for (const { file, obj } of docs) {
	const mod = models[obj.apiVersion];
	const Kind = mod && mod[obj.kind];
	if (!check(Boolean(Kind), `${file}: ${obj.apiVersion} ${obj.kind} is a known API type`))
		continue;
	try {
		new Kind(obj).validate();
		check(true, `${file}: ${obj.kind}/${obj.metadata.name} matches the API schema`);
	} catch (e) {
		check(false, `${file}: ${obj.kind}/${obj.metadata.name}: ${e.message}`);
	}
}

const find = (kind, pred = () => true) => docs.map((d) => d.obj).find((o) => o.kind === kind && pred(o));
const sts = find('StatefulSet');
const ctl = find('Deployment');
const svc = sts && find('Service', (s) => s.metadata.name === sts.spec.serviceName);
const cm = find('ConfigMap');
const netpol = find('NetworkPolicy');

// 2. walink's rules
if (check(Boolean(sts && ctl && svc && cm && netpol),
    'a worker StatefulSet, its Service, a wa-control Deployment, the sessions ConfigMap, a NetworkPolicy')) {
	const pod = sts.spec.template.spec;
	const w = pod.containers[0];
	const labels = sts.spec.template.metadata.labels;
	const matches = (sel) => Object.entries(sel).every(([k, v]) => labels[k] === v);
	check(svc.spec.clusterIP === 'None', 'worker Service is headless (stable pod DNS names)');
	check(svc.spec.publishNotReadyAddresses === true,
	    'worker Service publishes not-ready pods (a worker waiting for a QR stays reachable)');
	check(matches(sts.spec.selector.matchLabels) && matches(svc.spec.selector),
	    'StatefulSet selector and Service selector match the pod labels');
	check((sts.spec.volumeClaimTemplates || []).some((v) =>
	    v.spec.accessModes.length === 1 && v.spec.accessModes[0] === 'ReadWriteOnce' &&
	    (w.volumeMounts || []).some((m) => m.name === v.metadata.name && m.mountPath === '/var/lib/walink')),
	    'each pod has its own ReadWriteOnce volume on the data dir');
	check(w.args.includes('--client-id=$(POD_NAME)') && (w.env || []).some((e) =>
	    e.name === 'POD_NAME' && e.valueFrom.fieldRef.fieldPath === 'metadata.name'),
	    'the worker is named after its pod (--client-id = pod name)');
	for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe'])
		check(/\bwa-probe\b/.test(JSON.stringify(w[p] || {})), `worker ${p} runs wa-probe`);
	check(/-le 2/.test(JSON.stringify(w.livenessProbe)),
	    'liveness accepts "a person is needed" (exit 2): no restart loop in conflict or QR');
	check(pod.terminationGracePeriodSeconds >= 20,
	    `grace period ${pod.terminationGracePeriodSeconds} s >= 20 s (a clean close and flush)`);
	check(['Parallel', 'OrderedReady'].includes(sts.spec.podManagementPolicy || 'OrderedReady'),
	    `podManagementPolicy ${sts.spec.podManagementPolicy} (identity rests on one pod per ordinal)`);
	check(sts.spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Retain' &&
	    sts.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Retain',
	    'volumes (the accounts) are retained when scaled down or deleted');
	const ports = Object.fromEntries(w.ports.map((p) => [p.name, p.containerPort]));
	check(w.args.includes(`--ipc=tcp://*:${ports['ipc-rpc']}`) &&
	    w.args.includes(`--events=tcp://*:${ports['ipc-events']}`),
	    'the worker binds its IPC on the container ports it declares');
	const allowed = netpol.spec.ingress.flatMap((r) => r.ports.map((p) => p.port));
	check(matches(netpol.spec.podSelector.matchLabels) &&
	    allowed.includes(ports['ipc-rpc']) && allowed.includes(ports['ipc-events']) &&
	    netpol.spec.ingress.every((r) => r.from.every((f) =>
	        f.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'wa-control')),
	    'only wa-control pods may reach the workers\' IPC ports (no authentication on it)');
	// the sessions list against the StatefulSet
	const key = Object.keys(cm.data)[0];
	const lines = cm.data[key].split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
	    .map((l) => l.trim().split(/\s+/));
	check(ctl.spec.template.spec.containers[0].args.some((a) => a === `--sessions-file=/etc/walink/sessions/${key}`) &&
	    ctl.spec.template.spec.volumes.some((v) => v.configMap?.name === cm.metadata.name),
	    'wa-control reads the sessions list from the ConfigMap');
	check(lines.length === sts.spec.replicas,
	    `one sessions line per worker pod (${lines.length} lines, ${sts.spec.replicas} replicas)`);
	lines.forEach(([id, rpc, ev], i) => {
		const host = `${sts.metadata.name}-${i}.${svc.metadata.name}`;
		check(id === `${sts.metadata.name}-${i}` &&
		    rpc === `tcp://${host}:${svc.spec.ports.find((p) => p.name === 'ipc-rpc').port}` &&
		    ev === `tcp://${host}:${svc.spec.ports.find((p) => p.name === 'ipc-events').port}`,
		    `session line ${i} names pod ${sts.metadata.name}-${i} on its Service ports`);
	});
}

console.log(`k8s: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
