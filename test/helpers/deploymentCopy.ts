/**
 * A copy of the deployment artefacts (s.yaml, workflows/, infra/ram, infra/eventbridge) in a temporary folder,
 * edited by a test, so the local cloud can be deployed from something other than what ships.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

export interface DeploymentCopy {
  dir: string;
  sYaml: string;
  ramDir: string;
  eventBridgeDir: string;
  /** Edits s.yaml as a YAML document (comments kept), e.g. `doc.deleteIn(['resources', 'reconcile'])`. */
  editSpec(edit: (doc: ReturnType<typeof parseDocument>) => void): void;
  /** Edits one JSON file of infra/ram. */
  editPolicy(file: string, edit: (policy: { Statement: Record<string, unknown>[] }) => void): void;
  write(relative: string, text: string): void;
}

export function copyDeployment(): DeploymentCopy {
  const dir = mkdtempSync(join(tmpdir(), 'mf-deployment-'));
  cpSync('s.yaml', join(dir, 's.yaml'));
  cpSync('workflows', join(dir, 'workflows'), { recursive: true });
  cpSync('infra/ram', join(dir, 'infra/ram'), { recursive: true });
  cpSync('infra/eventbridge', join(dir, 'infra/eventbridge'), { recursive: true });
  const sYaml = join(dir, 's.yaml');
  return {
    dir,
    sYaml,
    ramDir: join(dir, 'infra/ram'),
    eventBridgeDir: join(dir, 'infra/eventbridge'),
    editSpec: (edit) => {
      const doc = parseDocument(readFileSync(sYaml, 'utf8'));
      edit(doc);
      writeFileSync(sYaml, doc.toString());
    },
    editPolicy: (file, edit) => {
      const path = join(dir, 'infra/ram', file);
      const policy = JSON.parse(readFileSync(path, 'utf8')) as { Statement: Record<string, unknown>[] };
      edit(policy);
      writeFileSync(path, JSON.stringify(policy, null, 2));
    },
    write: (relative, text) => writeFileSync(join(dir, relative), text),
  };
}
