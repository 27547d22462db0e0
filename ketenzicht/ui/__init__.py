"""The ground floor of the interface: form mixins, template tags and formats that know no domain. Any app may
import from here; nothing here imports a ketenzicht app."""
