// The kwok controller's configuration: the Stages that play the kubelet's part for Nodes and Pods.
//
// Why a file at all: the standalone `kwok` binary ships no default Stages (kwokctl writes them into the
// config it generates), and without any it exits with "no stages found". So the harness writes its own,
// equivalent to kwok's "fast" policy: Nodes Ready at once, Pods Running+Ready as soon as they are bound
// to a Node, Job pods completing, deleted Pods going away. They are rendered by kwok with Go templates
// (its functions: Now, Quote, YAML, NodeConditions, NodeIPsWith, PodIPsWith); the selectors are jq-like.
//
// Status patches merge into what is there, so the capacity and addresses the harness gives each Node at
// creation stay as they are.

const stage = (name: string, kind: 'Node' | 'Pod', body: string) =>
  `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: ${kind}
${body}`;

/** Conditions as a healthy kubelet reports them (Ready, no pressure), heartbeat now. */
const nodeConditions = `      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}`;

// A Node that is not Ready yet (just created) becomes Ready, Running, with a kubelet version that
// matches the control plane, as tools reading nodeInfo expect.
const nodeReady = (kubeletVersion: string) =>
  stage(
    'node-ready',
    'Node',
    `  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: NotIn
      values: ['True']
  next:
    statusTemplate: |
${nodeConditions}
      nodeInfo:
        architecture: amd64
        operatingSystem: linux
        kubeletVersion: ${kubeletVersion}
        kubeProxyVersion: ${kubeletVersion}
        containerRuntimeVersion: kwok://{{ Version }}
        kernelVersion: kwok
        osImage: kwok
        bootID: ""
        machineID: ""
        systemUUID: ""
      phase: Running
`,
  );

// Liveness comes from the Node Lease, renewed by kwok itself (--node-lease-duration-seconds), as a real
// kubelet does; the status is refreshed rarely, like a kubelet with nothing new to report (5-10 min).
// Stopping the kwok controller therefore makes every Node go NotReady after the controller-manager's
// grace period, which is how a lost node looks.
const nodeHeartbeat = stage(
  'node-heartbeat',
  'Node',
  `  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: In
      values: ['Running']
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: In
      values: ['True']
  delay:
    durationMilliseconds: 300000
    jitterDurationMilliseconds: 600000
  next:
    statusTemplate: |
${nodeConditions}
`,
);

// A Pod bound to a managed Node (kwok only looks at those) starts at once: containers running and
// ready, IPs from kwok's --cidr, phase Running. Readiness gates are reported true too.
const podReady = stage(
  'pod-ready',
  'Pod',
  `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: DoesNotExist
    - key: '.status.phase'
      operator: In
      values: ['Pending']
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: NotIn
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      {{ range list "Initialized" "Ready" "ContainersReady" "PodReadyToStartContainers" }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ . }}
      {{ end }}
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: true
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: true
        restartCount: 0
        {{ if eq .restartPolicy "Always" }}
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
        {{ else }}
        started: false
        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
        {{ end }}
      {{ end }}
      {{ with NodeIPsWith .spec.nodeName }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`,
);

// Pods owned by a Job finish successfully once running, so Jobs complete instead of running forever.
const podComplete = stage(
  'pod-complete',
  'Pod',
  `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: DoesNotExist
    - key: '.status.phase'
      operator: In
      values: ['Running']
    - key: '.metadata.ownerReferences.[].kind'
      operator: In
      values: ['Job']
  next:
    statusTemplate: |
      {{ $now := Now }}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: false
        started: false
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            reason: Completed
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
`,
);

// Graceful deletion needs a kubelet to confirm the containers stopped; kwok confirms by deleting the
// Pod, or it would stay Terminating forever (rolling updates and scale-downs would never finish).
const podDelete = stage(
  'pod-delete',
  'Pod',
  `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: Exists
  next:
    delete: true
`,
);

/** The multi-document YAML for `kwok --config`. */
export const kwokStagesYaml = (kubeletVersion: string): string =>
  [nodeReady(kubeletVersion), nodeHeartbeat, podReady, podComplete, podDelete].join('---\n');
