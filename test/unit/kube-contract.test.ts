import { beforeEach } from 'vitest';
import { deployVerbsContract } from '../contract/kube-deploy.ts';
import { hpaVerbsContract, nodeVerbsContract } from '../contract/kube-nodes.ts';
import { memoryKube } from '../doubles/kube.ts';
import { readyNode } from '../doubles/kube-nodes.ts';

// The in-memory double of the deploy, healing and scaling verbs, held to the contract the real adapter passes.
let fixture: ReturnType<typeof setUp>;

const setUp = () => {
  const kube = memoryKube();
  const state = kube.nodes('east');
  state.nodes.set('east-1', readyNode('east-1'));
  state.hpas.set('shop/web', {
    namespace: 'shop',
    name: 'web',
    target: 'Deployment/web',
    minReplicas: 1,
    maxReplicas: 3,
    currentReplicas: 1,
    desiredReplicas: 1,
    conditions: [],
  });
  return { gateway: kube.gateway('east'), node: 'east-1', namespace: 'shop', name: 'web' };
};

beforeEach(() => {
  fixture = setUp();
});

nodeVerbsContract(() => fixture);
hpaVerbsContract(() => fixture);
deployVerbsContract(() => fixture);
