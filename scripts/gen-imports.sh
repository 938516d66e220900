#!/usr/bin/env bash
# Regenerates imports/ offline from the upstream schema files vendored in schemas/ (see cdk8s.yaml for
# each file's upstream source). Never edit imports/ by hand: change this script and re-run it.
set -euo pipefail
cd "$(dirname "$0")/.."
CRDS="${CRDS_DIR:-schemas}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
imp() { # NAME FILE
  (cd "$tmp" && npx --no-install cdk8s import "$1:=$(realpath "$OLDPWD/$2")" --no-check-upgrade --language typescript --output imports >/dev/null)
}
export OLDPWD="$PWD"
cd "$tmp" && ln -s "$OLDPWD/node_modules" node_modules && cd "$OLDPWD"
imp istio "$CRDS/istio-api/networking.istio.io-crds.yaml"
imp gwapi-gateway "$CRDS/kubernetes-sigs-gateway-api/gateway.networking.k8s.io_gateways.yaml"
imp gwapi-httproute "$CRDS/kubernetes-sigs-gateway-api/gateway.networking.k8s.io_httproutes.yaml"
imp gwapi-grpcroute "$CRDS/kubernetes-sigs-gateway-api/gateway.networking.k8s.io_grpcroutes.yaml"
imp openshift-route "$CRDS/openshift-api/route.crd.yaml"
imp openshift-dc "$CRDS/openshift-api/deploymentconfigs.apps.openshift.io.derived.yaml"
imp openshift-imagestream "$CRDS/openshift-api/imagestreams.image.openshift.io.derived.yaml"
imp openshift-template "$CRDS/openshift-api/templates.template.openshift.io.derived.yaml"
imp argocd-application "$CRDS/argoproj-argo-cd/application-crd.yaml"
imp argocd-applicationset "$CRDS/argoproj-argo-cd/applicationset-crd.yaml"
imp argocd-appproject "$CRDS/argoproj-argo-cd/appproject-crd.yaml"
imp flux-source "$CRDS/fluxcd-source-controller/source.toolkit.fluxcd.io_gitrepositories.yaml"
imp flux-kustomize "$CRDS/fluxcd-kustomize-controller/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
if [ "${1:-}" = "--check" ]; then
  if ! diff -r -q "$tmp/imports" imports >/dev/null; then
    diff -r -q "$tmp/imports" imports || true
    echo "imports/ is stale: run \`npm run gen:imports\` and commit the result" >&2
    exit 1
  fi
  echo "imports/ is fresh"
  exit 0
fi
rm -rf imports && mkdir imports && cp "$tmp"/imports/*.ts imports/
ls imports
