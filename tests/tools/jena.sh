#!/bin/bash
# Runs a Jena command-line tool (arq.sparql, arq.rsparql, arq.rupdate,
# riotcmd.riot, …) from Debian's libapache-jena-java.
#
# Two repairs Debian's Jena 4.5 needs: jena-core.jar moved its embedded
# Xerces classes to the package xerces.* but left their message bundles under
# org/apache/jena/ext/xerces/…, so datatype checks die with "internal error"
# in XSSimpleTypeDecl; a classpath folder holding those .properties files
# copied to xerces/… fixes it.  And exactly one slf4j binding goes on the
# classpath (a wildcard over /usr/share/java brings several).
#
# usage: jena.sh MAIN_CLASS ARGS...      e.g. jena.sh arq.rsparql --service URL --query Q.rq
set -euo pipefail
java_dir=/usr/share/java
cache=${TORCHPROV_JENA_CACHE:-${TMPDIR:-/tmp}/torchprov-jena-fix-$(id -u)}
if [ ! -f "$cache/.complete" ]; then
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp/unpacked"
  (cd "$cache.tmp/unpacked" && unzip -q -o "$java_dir/jena-core.jar" 'org/apache/jena/ext/xerces/*.properties')
  mkdir -p "$cache.tmp/classes"
  (cd "$cache.tmp/unpacked/org/apache/jena/ext" && find xerces -name '*.properties' -exec cp --parents {} "$cache.tmp/classes/" \;)
  rm -rf "$cache.tmp/unpacked"
  touch "$cache.tmp/.complete"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi
jars=(jena-arq jena-core jena-base jena-iri guava jena-shacl jena-shex jena-cmds jena-rdfconnection
      jena-dboe-base jena-dboe-index jena-dboe-storage jena-dboe-trans-data jena-dboe-transaction jena-tdb jena-tdb2
      slf4j-api slf4j-nop commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3
      dexx.collection gson httpclient httpcore jackson-annotations jackson-core jackson-databind jsonld-java
      titanium-json-ld jakarta.json-api libthrift thrift protobuf caffeine collection commons-collections4)
classpath="$cache/classes"
for j in "${jars[@]}"; do
  [ -f "$java_dir/$j.jar" ] && classpath+=":$java_dir/$j.jar"
done
exec java -cp "$classpath" "$@"
