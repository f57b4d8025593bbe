<?cs # One filter rule: name, conditions, actions. ?>
<?cs set:Page.Title = Lang.settings.filters.edit ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings filter-edit">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings/filters"><?cs var:Lang.settings.filters.back ?></a></p>
  <h1><?cs var:Lang.settings.filters.edit ?></h1>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.settings.filters.error[Page.FormError] ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/filters/edit" id="filter-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="id" value="<?cs if:Rule.Id && Rule.Id != "0" ?><?cs var:Rule.Id ?><?cs /if ?>">
    <p><label><?cs var:Lang.settings.filters.name ?> <input name="name" maxlength="200" required value="<?cs var:Rule.Name ?>"></label></p>
    <p><label><input type="checkbox" name="enabled" value="1"<?cs if:Rule.Enabled ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.enabled ?></label></p>
    <fieldset>
      <legend><?cs var:Lang.settings.filters.conditions ?></legend>
      <p><label><?cs var:Lang.settings.filters.match ?>
        <select name="match">
          <option value="all"<?cs if:!Rule.MatchAny ?> selected<?cs /if ?>><?cs var:Lang.settings.filters.match_all ?></option>
          <option value="any"<?cs if:Rule.MatchAny ?> selected<?cs /if ?>><?cs var:Lang.settings.filters.match_any ?></option>
        </select></label></p>
      <p class="hint"><?cs var:Lang.settings.filters.hint ?></p>
      <table class="conds">
<?cs each:i = Rows ?>
        <tr>
          <td><select name="c_field.<?cs var:i ?>" aria-label="<?cs var:Lang.settings.filters.field ?>">
            <option value=""></option>
<?cs each:fk = Lang.settings.filters.fields ?>            <option value="<?cs name:fk ?>"<?cs if:Rule.Conds[i].Field == name(fk) ?> selected<?cs /if ?>><?cs var:fk ?></option>
<?cs /each ?>
          </select></td>
          <td><input name="c_header.<?cs var:i ?>" maxlength="76" placeholder="<?cs var:Lang.settings.filters.header_name ?>" aria-label="<?cs var:Lang.settings.filters.header_name ?>" value="<?cs var:Rule.Conds[i].Header ?>"></td>
          <td><select name="c_op.<?cs var:i ?>" aria-label="<?cs var:Lang.settings.filters.op ?>">
<?cs each:ok = Lang.settings.filters.ops ?>            <option value="<?cs name:ok ?>"<?cs if:Rule.Conds[i].Op == name(ok) ?> selected<?cs /if ?>><?cs var:ok ?></option>
<?cs /each ?>
          </select></td>
          <td><input name="c_value.<?cs var:i ?>" maxlength="1000" aria-label="<?cs var:Lang.settings.filters.value ?>" value="<?cs var:Rule.Conds[i].Value ?>"></td>
        </tr>
<?cs /each ?>
      </table>
    </fieldset>
    <fieldset>
      <legend><?cs var:Lang.settings.filters.actions ?></legend>
      <p><label><?cs var:Lang.settings.filters.fileinto ?>
        <select name="a_fileinto">
          <option value=""></option>
<?cs each:fo = Folders ?>          <option value="<?cs var:fo.Name ?>"<?cs if:Rule.A.fileinto == fo.Name ?> selected<?cs /if ?>><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Name ?><?cs /if ?></option>
<?cs /each ?>
        </select></label></p>
      <p><label><input type="checkbox" name="a_seen" value="1"<?cs if:Rule.A.seen ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.seen ?></label>
         <label><input type="checkbox" name="a_flag" value="1"<?cs if:Rule.A.flag ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.flag ?></label></p>
      <p><label><?cs var:Lang.settings.filters.forward ?> <input name="a_forward" type="email" maxlength="254" value="<?cs var:Rule.A.forward ?>"></label></p>
      <p><label><input type="checkbox" name="a_reject" value="1"<?cs if:Rule.A.reject ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.reject ?></label>
         <input name="a_reject_text" maxlength="1000" aria-label="<?cs var:Lang.settings.filters.reject_text ?>" placeholder="<?cs var:Lang.settings.filters.reject_text ?>" value="<?cs var:Rule.RejectText ?>"></p>
      <p><label><input type="checkbox" name="a_discard" value="1"<?cs if:Rule.A.discard ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.discard ?></label></p>
      <p><label><input type="checkbox" name="stop" value="1"<?cs if:Rule.Stop ?> checked<?cs /if ?>> <?cs var:Lang.settings.filters.stop ?></label></p>
    </fieldset>
    <p><button type="submit"><?cs var:Lang.settings.filters.save ?></button>
       <a href="<?cs var:Page.Base ?>/settings/filters"><?cs var:Lang.settings.cancel ?></a></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
